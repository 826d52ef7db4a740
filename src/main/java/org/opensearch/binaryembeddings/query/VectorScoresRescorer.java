package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingFieldType;
import org.opensearch.index.mapper.ObjectMapper;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.search.rescore.RescoreContext;
import org.opensearch.search.rescore.Rescorer;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Marks a shard's top keyword hits for their vector scores ({@link VectorScoresRescorerBuilder}) and leaves their
 * keyword scores and order as they are; the hits below binary_hybrid's window (and not tied with it) are dropped. The query phase only records which documents they are: OpenSearch
 * carries that set (as it does for every rescorer, for explain) to the fetch phase, which may run in another search
 * context, and there {@link VectorScoresFetchSubPhase} computes the scores in one pass. The scores come from the
 * {@code binary_knn} query itself, restricted to these documents (a filter this small takes its exact path), so they
 * are the scores the vector search gives them. On a vector field inside {@code nested} objects the hits are parent
 * documents, and each gets its best chunk's score ({@link NestedVectorPath#bestChunkOfEach}).
 */
final class VectorScoresRescorer implements Rescorer {

    static final VectorScoresRescorer INSTANCE = new VectorScoresRescorer();

    private VectorScoresRescorer() {}

    /** The request's vector query and the shard it runs on. */
    static final class Context extends RescoreContext {
        private final int cut;
        private final BinaryKnnQueryBuilder vector;
        private final QueryShardContext shardContext;

        Context(int windowSize, int cut, BinaryKnnQueryBuilder vector, QueryShardContext shardContext) {
            super(windowSize, INSTANCE);
            this.cut = cut;
            this.vector = vector;
            this.shardContext = shardContext;
        }

        /**
         * The vector scores of the marked documents, by global doc id; a document without one (no vector, outside the
         * vector query's filters, or an index of the search without the field) is absent.
         */
        Map<Integer, Float> scores(IndexSearcher searcher) throws IOException {
            Map<Integer, Float> scores = new HashMap<>();
            Set<Integer> marked = getRescoredDocs();
            if (marked == null || marked.isEmpty() || shardContext.fieldMapper(vector.fieldName()) instanceof BinaryEmbeddingFieldType == false) {
                return scores;
            }
            // a vector field inside nested objects (chunks): the hits are their parents, each scored by its best chunk
            ObjectMapper nested = NestedVectorPath.nestedObject(shardContext, shardContext.fieldMapper(vector.fieldName()).name());
            int[] docs = marked.stream().mapToInt(Integer::intValue).sorted().toArray();
            int n = docs.length;
            Query theseDocs = new FixedScoresQuery(searcher.getIndexReader().getContext(), docs, new float[n], null, "top keyword hits");
            BinaryKnnQueryBuilder knn = vector.withKAndFilter(n, Math.max(vector.resolvedNumCandidates(), n), vector.filterQuery());
            Query query;
            try {
                query = searcher.rewrite(
                    nested == null
                        ? knn.toLuceneQuery(shardContext, theseDocs)
                        : NestedVectorPath.bestChunkOfEach(shardContext, searcher, knn, nested, theseDocs)
                );
            } catch (IllegalArgumentException e) {
                // what the vector search reports for this shard (a vector of other dims than the field's, say): these
                // documents get no vector score, as when the candidates the vector list missed were scored by a search
                return scores;
            }
            Weight weight = searcher.createWeight(query, ScoreMode.COMPLETE, 1f);
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                Scorer scorer = weight.scorer(leaf);
                if (scorer == null) {
                    continue;
                }
                DocIdSetIterator it = scorer.iterator();
                for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    scores.put(leaf.docBase + doc, scorer.score());
                }
            }
            return scores;
        }
    }

    @Override
    public TopDocs rescore(TopDocs topDocs, IndexSearcher searcher, RescoreContext rescoreContext) {
        ScoreDoc[] hits = topDocs.scoreDocs;
        int n = Math.min(hits.length, rescoreContext.getWindowSize());
        int cut = ((Context) rescoreContext).cut;
        boolean dropBelow = cut > 0 && cut < n;
        if (dropBelow) {
            // the top [cut] and every hit tied with the last of them: the coordinating node breaks that tie by index
            // and id, so which of them make the window is decided there, the same for any shard count
            int end = cut;
            while (end < n && hits[end].score == hits[cut - 1].score) {
                end++;
            }
            n = end;
        }
        Set<Integer> docs = new HashSet<>();
        for (int i = 0; i < n; i++) {
            docs.add(hits[i].doc);
        }
        rescoreContext.setRescoredDocs(docs);
        return dropBelow ? new TopDocs(topDocs.totalHits, Arrays.copyOf(hits, n)) : topDocs;
    }

    @Override
    public Explanation explain(int topLevelDocId, IndexSearcher searcher, RescoreContext rescoreContext, Explanation sourceExplanation) {
        return sourceExplanation; // the keyword score is unchanged
    }
}
