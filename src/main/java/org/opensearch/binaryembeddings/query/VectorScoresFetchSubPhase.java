package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.LeafReaderContext;
import org.opensearch.common.document.DocumentField;
import org.opensearch.search.fetch.FetchContext;
import org.opensearch.search.fetch.FetchSubPhase;
import org.opensearch.search.fetch.FetchSubPhaseProcessor;
import org.opensearch.search.rescore.RescoreContext;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Computes the vector scores of the hits {@link VectorScoresRescorer} marked, in one pass, and puts each into its hit, as the field {@link #FIELD}, so
 * that it reaches {@code binary_hybrid} on the coordinating node with the keyword score. Does nothing for any other
 * search.
 */
public final class VectorScoresFetchSubPhase implements FetchSubPhase {

    /** The hit field: a name no mapping can give a field of its own (it starts with an underscore). */
    static final String FIELD = "_binary_hybrid_vector_score";
    /**
     * On a one-shard search that brought the vector list too: the hit's rank in it (0: not in it). Absent when the
     * search did not bring the vector list.
     */
    static final String RANK_FIELD = "_binary_hybrid_vector_rank";

    @Override
    public FetchSubPhaseProcessor getProcessor(FetchContext context) throws IOException {
        VectorScoresRescorer.Context scores = null;
        for (RescoreContext r : context.rescore()) {
            if (r instanceof VectorScoresRescorer.Context c) {
                scores = c;
            }
        }
        if (scores == null) {
            return null;
        }
        Map<Integer, Float> found = scores.scores(context.searcher());
        Map<Integer, Float> vectorHits = scores.vectorHits();
        Map<Integer, Integer> ranks = new java.util.HashMap<>();
        if (vectorHits != null) {
            int rank = 0;
            for (Map.Entry<Integer, Float> e : vectorHits.entrySet()) {
                ranks.put(e.getKey(), ++rank);
                found.put(e.getKey(), e.getValue()); // the vector search's own score
            }
        }
        return new FetchSubPhaseProcessor() {
            private int docBase;

            @Override
            public void setNextReader(LeafReaderContext readerContext) {
                docBase = readerContext.docBase;
            }

            @Override
            public void process(HitContext hit) {
                Float score = found.get(docBase + hit.docId());
                if (score != null) {
                    hit.hit().setDocumentField(FIELD, new DocumentField(FIELD, List.of(score)));
                }
                if (vectorHits != null) {
                    int rank = ranks.getOrDefault(docBase + hit.docId(), 0);
                    hit.hit().setDocumentField(RANK_FIELD, new DocumentField(RANK_FIELD, List.of(rank)));
                }
            }
        };
    }
}
