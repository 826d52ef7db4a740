package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.search.join.ScoreMode;
import org.apache.lucene.search.join.ToChildBlockJoinQuery;
import org.apache.lucene.search.join.ToParentBlockJoinQuery;
import org.opensearch.action.admin.indices.mapping.get.GetMappingsRequest;
import org.opensearch.action.support.IndicesOptions;
import org.opensearch.cluster.metadata.MappingMetadata;
import org.opensearch.common.lucene.search.Queries;
import org.opensearch.core.action.ActionListener;
import org.opensearch.index.mapper.ObjectMapper;
import org.opensearch.index.query.NestedQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.transport.client.Client;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * Where {@code binary_hybrid}'s vector field lives: at the top level, or inside {@code nested} objects (the chunks of
 * long documents). The hybrid query's candidate searches run on whole documents, so a nested vector field is searched
 * inside a {@code nested} query on its path, parents ranked by their best chunk ({@code score_mode: max}; k counts
 * parents, see {@link ParentDiversifiedKnnQuery}): keyword hits (parents) and vector hits (parents) then fuse per
 * parent as for a top-level field. On the shards, the keyword hits' vector scores ({@link VectorScoresRescorer}) are
 * their best chunks' ({@link #bestChunkOfEach}).
 */
final class NestedVectorPath {

    private NestedVectorPath() {}

    /**
     * The deepest {@code nested} object around {@code field} in the mappings of {@code indices} (null: none), read once
     * per search on the node that runs the candidate searches. Indices that disagree are a 400.
     */
    static void resolve(Client client, String[] indices, IndicesOptions options, String field, ActionListener<String> listener) {
        if (field.indexOf('.') < 0) {
            listener.onResponse(null); // a top-level field: nothing to look up
            return;
        }
        // remote clusters' indices (cluster:index) have no mappings here: their vector field is taken as top-level
        String[] local = java.util.Arrays.stream(indices == null ? new String[0] : indices).filter(i -> i.indexOf(':') < 0).toArray(String[]::new);
        if (indices != null && indices.length > 0 && local.length == 0) {
            listener.onResponse(null);
            return;
        }
        // this node's cluster state: no round trip to the cluster manager for each hybrid query
        GetMappingsRequest request = new GetMappingsRequest().indices(local).local(true);
        if (options != null) {
            request.indicesOptions(options);
        }
        client.admin().indices().getMappings(request, ActionListener.wrap(response -> {
            String path = null;
            boolean first = true;
            for (Map.Entry<String, MappingMetadata> e : response.getMappings().entrySet()) {
                if (e.getValue() == null) {
                    continue;
                }
                String p = nestedPath(e.getValue().sourceAsMap(), field);
                if (first == false && Objects.equals(p, path) == false) {
                    listener.onFailure(
                        new IllegalArgumentException(
                            "[" + BinaryHybridQueryBuilder.NAME + "] [vector.field] [" + field + "] is inside nested objects ["
                                + (p == null ? path : p) + "] in some of the indices searched and not in others (index [" + e.getKey()
                                + "]); search them separately"
                        )
                    );
                    return;
                }
                path = p;
                first = false;
            }
            listener.onResponse(path);
        }, e -> listener.onResponse(null))); // mappings not readable (e.g. no permission): the searches report their own errors
    }

    /** The deepest nested object path on the way to {@code field} in one index's mapping source; null when none. */
    @SuppressWarnings("unchecked")
    static String nestedPath(Map<String, Object> mapping, String field) {
        Map<String, Object> node = mapping;
        if (node.size() == 1 && node.get("_doc") instanceof Map<?, ?> inner) { // a typed mapping source
            node = (Map<String, Object>) inner;
        }
        String[] parts = field.split("\\.");
        String nested = null;
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            if (!(node.get("properties") instanceof Map<?, ?> props) || !(props.get(parts[i]) instanceof Map<?, ?> child)) {
                return nested;
            }
            path.append(i == 0 ? "" : ".").append(parts[i]);
            if ("nested".equals(child.get("type"))) {
                nested = path.toString();
            }
            node = (Map<String, Object>) child;
        }
        return nested;
    }

    /** {@code knn} as a search of whole documents: itself, or inside a {@code nested} query on {@code path}. */
    static QueryBuilder around(String path, QueryBuilder knn) {
        return path == null ? knn : new NestedQueryBuilder(path, knn, ScoreMode.Max);
    }

    /** On a shard: the deepest {@code nested} object around the Lucene field {@code luceneField}; null when none. */
    static ObjectMapper nestedObject(QueryShardContext context, String luceneField) {
        for (int dot = luceneField.lastIndexOf('.'); dot > 0; dot = luceneField.lastIndexOf('.', dot - 1)) {
            ObjectMapper parent = context.getObjectMapper(luceneField.substring(0, dot));
            if (parent != null && parent.nested().isNested()) {
                return parent;
            }
        }
        return null;
    }

    /**
     * On a shard: each of the top-level documents {@code parentDocs} scored by its best chunk under {@code nested} for
     * {@code knn} — the score a nested {@code binary_knn} with {@code score_mode} max gives that parent (when it finds
     * the parent's best chunk, which this does for certain: every chunk of these parents is scored). Parents without
     * a chunk the query matches do not match. As the {@code nested} query does, the chunk query is built inside the
     * nested scope, with the top-level documents as parents.
     */
    static Query bestChunkOfEach(QueryShardContext context, IndexSearcher searcher, BinaryKnnQueryBuilder knn, ObjectMapper nested,
        Query parentDocs) throws IOException {
        BitSetProducer parents = context.bitsetFilter(Queries.newNonNestedFilter());
        // the nested documents of these parents bound the chunks to score (the scan's size, not a cut)
        int chunks = searcher.count(new ToChildBlockJoinQuery(parentDocs, parents));
        if (chunks == 0) {
            return new MatchNoDocsQuery("no nested documents under the keyword hits");
        }
        BitSetProducer previous = context.getParentFilter();
        Query chunkScores;
        try {
            context.setParentFilter(parents);
            context.nestedScope().nextLevel(nested);
            try {
                chunkScores = knn.chunksOfParents(context, parentDocs, chunks);
            } finally {
                context.nestedScope().previousLevel();
            }
        } finally {
            context.setParentFilter(previous);
        }
        return new ToParentBlockJoinQuery(chunkScores, parents, ScoreMode.Max);
    }
}
