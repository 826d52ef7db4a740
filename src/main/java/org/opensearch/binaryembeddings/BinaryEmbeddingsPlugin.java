package org.opensearch.binaryembeddings;

import org.apache.lucene.util.SetOnce;
import org.opensearch.binaryembeddings.encoder.EncoderService;
import org.opensearch.binaryembeddings.encoder.EncoderSettings;
import org.opensearch.binaryembeddings.ingest.LocalEmbeddingProcessor;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingFieldMapper;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingsCodecService;
import org.opensearch.binaryembeddings.mapper.SourceVectors;
import org.opensearch.binaryembeddings.codec.DerivedSourceStoredFieldsFormat;
import org.opensearch.binaryembeddings.query.BinaryHybridQueryBuilder;
import org.opensearch.binaryembeddings.query.BinaryKnnConcurrentSearchDecider;
import org.opensearch.binaryembeddings.query.BinaryKnnQueryBuilder;
import org.opensearch.binaryembeddings.query.VectorScoresFetchSubPhase;
import org.opensearch.binaryembeddings.query.VectorScoresRescorerBuilder;
import org.opensearch.search.fetch.FetchSubPhase;
import org.opensearch.binaryembeddings.query.FusedHitsQueryBuilder;
import org.opensearch.binaryembeddings.query.QueryLimits;
import org.opensearch.binaryembeddings.query.QueryServices;
import org.opensearch.binaryembeddings.rest.RestEmbedAction;
import org.opensearch.binaryembeddings.rest.BinaryEmbeddingsStatsAction;
import org.opensearch.binaryembeddings.rest.RestModelsAction;
import org.opensearch.binaryembeddings.rest.RestStatsAction;
import org.opensearch.action.ActionRequest;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.action.support.ActionFilter;
import org.opensearch.binaryembeddings.encoder.ModelInfo;
import org.opensearch.binaryembeddings.mapper.MappingModelCheck;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecServiceFactory;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.ingest.Processor;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.script.ScriptService;
import org.opensearch.search.deciders.ConcurrentSearchRequestDecider;
import org.opensearch.threadpool.ExecutorBuilder;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;
import org.opensearch.watcher.ResourceWatcherService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Wires the plugin's parts into OpenSearch: the {@code binary_embedding} field type, its codec, the
 * {@code local_embedding} ingest processor, the {@code binary_knn} and {@code binary_hybrid} queries and the
 * REST endpoints under {@code _plugins/_binary_embeddings}. It holds no logic of its own.
 */
public class BinaryEmbeddingsPlugin extends Plugin implements MapperPlugin, IngestPlugin, SearchPlugin, EnginePlugin, ActionPlugin {

    public static final String NAME = "binary-embeddings";

    /** The node's local encoder, built in createComponents (processor factories and REST handlers look it up lazily). */
    private final SetOnce<EncoderService> encoder = new SetOnce<>();
    /** Filled in createComponents; the query parsers are registered before that. */
    private final QueryServices queryServices = new QueryServices();

    static {
        // the codec fills derived-source placeholders through this; it reads segments without any index's mapping
        DerivedSourceStoredFieldsFormat.install(SourceVectors.INSTANCE);
    }

    @Override
    public List<Setting<?>> getSettings() {
        List<Setting<?>> settings = new ArrayList<>(EncoderSettings.all());
        settings.add(BinaryEmbeddingFieldMapper.INDEX_SETTING);
        settings.addAll(QueryLimits.settings());
        return settings;
    }

    @Override
    public List<ExecutorBuilder<?>> getExecutorBuilders(Settings settings) {
        return List.of(EncoderSettings.executorBuilder(settings), EncoderSettings.queryExecutorBuilder(settings));
    }

    @Override
    public Collection<Object> createComponents(
        Client client,
        ClusterService clusterService,
        ThreadPool threadPool,
        ResourceWatcherService resourceWatcherService,
        ScriptService scriptService,
        NamedXContentRegistry xContentRegistry,
        Environment environment,
        NodeEnvironment nodeEnvironment,
        NamedWriteableRegistry namedWriteableRegistry,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<RepositoriesService> repositoriesServiceSupplier
    ) {
        EncoderService service = EncoderService.forNode(environment, threadPool);
        encoder.set(service);
        queryServices.init(service::encodeQueryAsync, clusterService, indexNameExpressionResolver, xContentRegistry);
        return List.of(service);
    }

    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(BinaryEmbeddingFieldMapper.CONTENT_TYPE, BinaryEmbeddingFieldMapper.PARSER);
    }

    /** Only indices that opted in get the codec, so other plugins' codec services keep working on theirs. */
    @Override
    public Optional<CodecServiceFactory> getCustomCodecServiceFactory(IndexSettings indexSettings) {
        if (BinaryEmbeddingFieldMapper.INDEX_SETTING.get(indexSettings.getSettings())) {
            return Optional.of(BinaryEmbeddingsCodecService::new);
        }
        return Optional.empty();
    }

    @Override
    public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
        return Map.of(LocalEmbeddingProcessor.TYPE, new LocalEmbeddingProcessor.Factory(encoder::get, parameters.client));
    }

    @Override
    public Optional<ConcurrentSearchRequestDecider.Factory> getConcurrentSearchRequestDeciderFactory() {
        return Optional.of(new BinaryKnnConcurrentSearchDecider.Factory());
    }

    /** binary_hybrid's keyword search marks its top hits for their vector scores, which the fetch phase adds to them. */
    @Override
    public List<RescorerSpec<?>> getRescorers() {
        return List.of(new RescorerSpec<>(VectorScoresRescorerBuilder.NAME, VectorScoresRescorerBuilder::new, VectorScoresRescorerBuilder::fromXContent));
    }

    @Override
    public List<FetchSubPhase> getFetchSubPhases(FetchPhaseConstructionContext context) {
        return List.of(new VectorScoresFetchSubPhase());
    }

    @Override
    public List<QuerySpec<?>> getQueries() {
        return List.of(
            new QuerySpec<>(
                BinaryKnnQueryBuilder.NAME,
                in -> new BinaryKnnQueryBuilder(in, queryServices),
                p -> BinaryKnnQueryBuilder.fromXContent(p, queryServices)
            ),
            new QuerySpec<>(
                BinaryHybridQueryBuilder.NAME,
                in -> new BinaryHybridQueryBuilder(in, queryServices),
                p -> BinaryHybridQueryBuilder.fromXContent(p, queryServices)
            ),
            new QuerySpec<>(FusedHitsQueryBuilder.NAME, FusedHitsQueryBuilder::new, FusedHitsQueryBuilder::fromXContent)
        );
    }

    @Override
    public List<ActionFilter> getActionFilters() {
        return List.of(new MappingModelCheck(() -> {
            EncoderService service = encoder.get();
            return service == null ? null : service.models().stream().map(ModelInfo::name).toList();
        }, name -> {
            EncoderService service = encoder.get();
            return service == null || service.hasModel(name) == false ? null : service.model(name).dims();
        }));
    }

    @Override
    public List<RestHandler> getRestHandlers(
        Settings settings,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster
    ) {
        return List.of(
            new RestModelsAction(encoder::get),
            new RestEmbedAction(encoder::get, EncoderSettings.EMBED_MAX_TEXTS.get(settings)),
            new RestStatsAction()
        );
    }

    @Override
    public List<ActionHandler<? extends ActionRequest, ? extends ActionResponse>> getActions() {
        return List.of(new ActionHandler<>(BinaryEmbeddingsStatsAction.INSTANCE, BinaryEmbeddingsStatsAction.Transport.class));
    }

    @Override
    public void close() throws IOException {
        EncoderService service = encoder.get();
        if (service != null) {
            service.close(); // frees the models' native memory
        }
    }
}
