package org.opensearch.binaryembeddings.query;

import org.opensearch.index.IndexSettings;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.search.deciders.ConcurrentSearchDecision;
import org.opensearch.search.deciders.ConcurrentSearchRequestDecider;

import java.util.Optional;

/**
 * Asks OpenSearch for concurrent segment search when a shard request holds a {@code binary_knn} query and the index is
 * in the default {@code auto} mode (which otherwise searches segments concurrently only for aggregations). The query's
 * per-segment graph walks are independent tasks ({@link BinaryKnnQuery#rewrite}), so slices run them in parallel;
 * the hits are the same either way. Indices set to {@code none} or {@code all} are left to their setting.
 */
public final class BinaryKnnConcurrentSearchDecider extends ConcurrentSearchRequestDecider {

    private static final ConcurrentSearchDecision DEFAULT = new ConcurrentSearchDecision(
        ConcurrentSearchDecision.DecisionStatus.NO_OP,
        "no binary_knn query"
    );
    private static final ConcurrentSearchDecision YES = new ConcurrentSearchDecision(
        ConcurrentSearchDecision.DecisionStatus.YES,
        "binary_knn searches its segments as independent tasks"
    );

    private ConcurrentSearchDecision decision = DEFAULT;

    @Override
    public void evaluateForQuery(QueryBuilder queryBuilder, IndexSettings indexSettings) {
        if (queryBuilder instanceof BinaryKnnQueryBuilder) {
            decision = YES;
        }
    }

    @Override
    public ConcurrentSearchDecision getConcurrentSearchDecision() {
        return decision;
    }

    /** A decider per shard request (deciders keep state while the query tree is visited). */
    public static final class Factory implements ConcurrentSearchRequestDecider.Factory {
        @Override
        public Optional<ConcurrentSearchRequestDecider> create(IndexSettings indexSettings) {
            return Optional.of(new BinaryKnnConcurrentSearchDecider());
        }
    }
}
