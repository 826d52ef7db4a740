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
            }
        };
    }
}
