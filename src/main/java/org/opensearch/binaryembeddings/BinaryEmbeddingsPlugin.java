package org.opensearch.binaryembeddings;

import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingFieldMapper;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingsCodecService;
import org.opensearch.binaryembeddings.query.BinaryHybridQueryBuilder;
import org.opensearch.binaryembeddings.query.BinaryKnnQueryBuilder;
import org.opensearch.binaryembeddings.query.FusedHitsQueryBuilder;
import org.opensearch.binaryembeddings.query.QueryEncoder;
import org.opensearch.binaryembeddings.query.QueryServices;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.script.ScriptService;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;
import org.opensearch.watcher.ResourceWatcherService;
import org.opensearch.common.settings.Setting;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecServiceFactory;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;

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
public class BinaryEmbeddingsPlugin extends Plugin implements MapperPlugin, IngestPlugin, SearchPlugin, EnginePlugin {

    public static final String NAME = "binary-embeddings";

    private final QueryServices queryServices = new QueryServices();

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
        queryServices.init(new QueryEncoder() {
            @Override
            public void encodeQuery(String model, String text, ActionListener<float[]> listener) {
                listener.onFailure(new IllegalArgumentException("unknown model [" + model + "]"));
            }

            @Override
            public float[] encodeQuery(String model, String text) {
                throw new IllegalArgumentException("unknown model [" + model + "]");
            }
        }, clusterService, indexNameExpressionResolver);
        return List.of();
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
    public List<Setting<?>> getSettings() {
        return List.of(BinaryEmbeddingFieldMapper.INDEX_SETTING);
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
}
