package org.opensearch.binaryembeddings.query;

import org.opensearch.action.IndicesRequest;
import org.opensearch.action.support.IndicesOptions;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingFieldMapper;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.metadata.MappingMetadata;
import org.opensearch.cluster.service.ClusterService;

import org.opensearch.common.xcontent.LoggingDeprecationHandler;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.search.internal.ShardSearchRequest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Node services the query builders use on the coordinating node. One instance per plugin instance (so per node); the
 * plugin fills it in when the node creates its components, after the query parsers were registered.
 */
public final class QueryServices {

    private volatile QueryEncoder encoder;
    private volatile ClusterService clusterService;
    private volatile IndexNameExpressionResolver resolver;
    private volatile QueryLimits limits = QueryLimits.DEFAULTS;
    private volatile NamedXContentRegistry xContentRegistry;

    public void init(QueryEncoder encoder, ClusterService clusterService, IndexNameExpressionResolver resolver, NamedXContentRegistry xContentRegistry) {
        this.encoder = encoder;
        this.clusterService = clusterService;
        this.resolver = resolver;
        this.xContentRegistry = xContentRegistry;
        QueryLimits.track(clusterService.getClusterSettings(), l -> this.limits = l);
    }

    /** The cluster's current {@link QueryLimits} (the defaults before the node is up, e.g. in unit tests). */
    QueryLimits limits() {
        return limits;
    }

    QueryEncoder encoder() {
        if (encoder == null) {
            throw new IllegalStateException("the binary-embeddings encoder is not initialised on this node");
        }
        return encoder;
    }

    /**
     * The model named by the {@code model} parameter of {@code field} in the indices the request targets.
     *
     * @throws IllegalArgumentException when the field is not a {@code binary_embedding} field anywhere, has no model, or
     *                                  has different models in different indices
     */
    String modelOfField(IndicesRequest request, String field) {
        ClusterState state = clusterService.state();
        String[] indices = resolver.concreteIndexNames(state, request);
        Map<String, String> models = new TreeMap<>();
        Set<String> withoutModel = new TreeSet<>();
        for (String index : indices) {
            IndexMetadata meta = state.metadata().index(index);
            MappingMetadata mapping = meta == null ? null : meta.mapping();
            Map<String, Object> def = mapping == null ? null : fieldDefinition(mapping.sourceAsMap(), field);
            if (def != null && "alias".equals(def.get("type")) && def.get("path") instanceof String path) {
                def = fieldDefinition(mapping.sourceAsMap(), path); // a field alias: the model is its target's
            }
            if (def == null || BinaryEmbeddingFieldMapper.CONTENT_TYPE.equals(def.get("type")) == false) {
                continue;
            }
            Object model = def.get("model");
            if (model == null) {
                withoutModel.add(index);
            } else {
                models.put(index, model.toString());
            }
        }
        Set<String> distinct = new TreeSet<>(models.values());
        if (distinct.size() > 1) {
            throw new IllegalArgumentException(
                "field [" + field + "] uses different models in different indices " + models
                    + ": their vectors are in different embedding spaces; search these indices separately"
            );
        }
        if (distinct.isEmpty()) {
            if (withoutModel.isEmpty()) {
                throw new IllegalArgumentException("[field] [" + field + "] is not a [binary_embedding] field in the searched indices");
            }
            throw new IllegalArgumentException(
                "field [" + field + "] has no [model] in its mapping; give [model] in the query or send [vector] or [bits]"
            );
        }
        return distinct.iterator().next();
    }

    /**
     * Whether a search of {@code indices} reaches exactly one shard of this cluster: one concrete index of one shard, no
     * remote cluster's index. Then its query and fetch phases run in one search context on that shard.
     */
    boolean singleShard(String[] indices, IndicesOptions options) {
        if (clusterService == null || resolver == null || indices == null) {
            return false;
        }
        for (String index : indices) {
            if (index.indexOf(':') >= 0) {
                return false;
            }
        }
        try {
            ClusterState state = clusterService.state();
            String[] concrete = resolver.concreteIndexNames(state, options, indices);
            IndexMetadata meta = concrete.length == 1 ? state.metadata().index(concrete[0]) : null;
            return meta != null && meta.getNumberOfShards() == 1;
        } catch (RuntimeException e) {
            return false; // the search itself reports what is wrong with its targets
        }
    }

    /**
     * The filters of the filtering aliases through which {@code request} reaches each concrete index (index name →
     * filter; indices reached without a filtering alias are absent). OpenSearch applies these filters around the whole
     * query, after {@code binary_knn} picked its top k; the query folds them into its own filter so that they shape
     * the candidates during the graph walk, as the {@code filter} parameter does. Resolved the way OpenSearch resolves
     * the alias filter it sends to each shard (resolved expressions, then the filtering aliases of each index).
     */
    Map<String, QueryBuilder> aliasFilters(IndicesRequest request) {
        if (clusterService == null || resolver == null || xContentRegistry == null) {
            return Map.of();
        }
        ClusterState state = clusterService.state();
        Set<String> resolved;
        String[] concrete;
        try {
            resolved = resolver.resolveExpressions(state, request.indices());
            concrete = resolver.concreteIndexNames(state, request);
        } catch (RuntimeException e) {
            // targets this cluster cannot resolve (a remote cluster's indices, a missing index): OpenSearch reports
            // what is wrong with the request itself; the alias filters then only apply around the query, as before
            return Map.of();
        }
        Map<String, QueryBuilder> out = new TreeMap<>();
        for (String index : concrete) {
            IndexMetadata meta = state.metadata().index(index);
            String[] aliases = meta == null ? null : resolver.filteringAliases(state, index, resolved);
            if (aliases == null || aliases.length == 0) {
                continue;
            }
            QueryBuilder filter = ShardSearchRequest.parseAliasFilter(this::parseFilter, meta, aliases);
            if (filter != null) {
                out.put(index, filter);
            }
        }
        return out;
    }

    private QueryBuilder parseFilter(BytesReference bytes) throws IOException {
        try (
            InputStream in = bytes.streamInput();
            XContentParser parser = MediaTypeRegistry.xContentType(in).xContent().createParser(xContentRegistry, LoggingDeprecationHandler.INSTANCE, in)
        ) {
            return AbstractQueryBuilder.parseInnerQueryBuilder(parser);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fieldDefinition(Map<String, Object> mapping, String field) {
        Map<String, Object> properties = (Map<String, Object>) mapping.get("properties");
        String[] parts = field.split("\\.");
        Map<String, Object> def = null;
        for (int i = 0; i < parts.length && properties != null; i++) {
            // a dotted field name may be one property or a path of objects; try the longest remaining name first
            Map<String, Object> found = null;
            for (int j = parts.length; j > i && found == null; j--) {
                Object candidate = properties.get(String.join(".", java.util.Arrays.copyOfRange(parts, i, j)));
                if (candidate instanceof Map<?, ?> m) {
                    found = (Map<String, Object>) m;
                    if (j == parts.length) {
                        return found;
                    }
                    i = j - 1;
                }
            }
            def = found;
            properties = def == null ? null : (Map<String, Object>) def.get("properties");
        }
        return null;
    }
}
