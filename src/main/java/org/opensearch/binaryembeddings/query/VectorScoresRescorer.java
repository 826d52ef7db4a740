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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
 *
 * <p>On a search of one shard it also runs binary_hybrid's vector search ({@code vectorList}) and returns those hits
 * after the keyword hits, so that one search brings both lists; the query and fetch phases of a one-shard search run in
 * one search context, so the fetch phase reads the list found here.
 */
final class VectorScoresRescorer implements Rescorer {

    static final VectorScoresRescorer INSTANCE = new VectorScoresRescorer();

    private VectorScoresRescorer() {}

    /** The request's vector query and the shard it runs on. */
    static final class Context extends RescoreContext {
        private final int cut;
        private final int vectorList;
        private final BinaryKnnQueryBuilder vector;
        private final QueryShardContext shardContext;
        /**
         * The vector list this shard found in the query phase (global doc → score, in rank order; null: none). Read
         * by the fetch phase, which on a one-shard search runs in the same search context; in another one it is null
         * and the hits say nothing about the vector list (binary_hybrid then runs the vector search).
         */
        private LinkedHashMap<Integer, Float> vectorHits;

        Context(int windowSize, int cut, BinaryKnnQueryBuilder vector, QueryShardContext shardContext) {
            this(windowSize, cut, 0, vector, shardContext);
        }

        Context(int windowSize, int cut, int vectorList, BinaryKnnQueryBuilder vector, QueryShardContext shardContext) {
            super(windowSize, INSTANCE);
            this.cut = cut;
            this.vectorList = vectorList;
            this.vector = vector;
            this.shardContext = shardContext;
        }

        /**
         * The vector scores of the marked documents, by global doc id; a document without one (no vector, outside the
         * vector query's filters, or an index of the search without the field) is absent.
         */
        /** The vector list found in the query phase (global doc → score, in rank order), or null. */
        Map<Integer, Float> vectorHits() {
            return vectorHits;
        }

        /**
         * binary_hybrid's vector search on this shard: the same query the vector search sends ({@code k} and the
         * list's length, its filters), so the same hits and scores.
         */
        private LinkedHashMap<Integer, Float> searchVectorList(IndexSearcher searcher) throws IOException {
            LinkedHashMap<Integer, Float> hits = new LinkedHashMap<>();
            if (shardContext.fieldMapper(vector.fieldName()) instanceof BinaryEmbeddingFieldType == false) {
                return hits;
            }
            BinaryKnnQueryBuilder knn = vector.withKAndFilter(vectorList, Math.max(vector.resolvedNumCandidates(), vectorList), vector.filterQuery());
            for (ScoreDoc d : searcher.search(knn.toQuery(shardContext), vectorList).scoreDocs) {
                hits.put(d.doc, d.score);
            }
            return hits;
        }

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
    public TopDocs rescore(TopDocs topDocs, IndexSearcher searcher, RescoreContext rescoreContext) throws IOException {
        ScoreDoc[] hits = topDocs.scoreDocs;
        int n = Math.min(hits.length, rescoreContext.getWindowSize());
        Context context = (Context) rescoreContext;
        int cut = context.cut;
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
        if (context.vectorList > 0) {
            // one search for both lists: the vector hits that are not keyword hits go after them, with a score below
            // any keyword score (the coordinating node tells them apart by it and reads their vector scores from the hits)
            context.vectorHits = context.searchVectorList(searcher);
            List<ScoreDoc> all = new ArrayList<>(Arrays.asList(hits).subList(0, dropBelow ? n : hits.length));
            Set<Integer> returned = new HashSet<>();
            for (ScoreDoc d : all) {
                returned.add(d.doc);
            }
            for (int doc : context.vectorHits.keySet()) {
                if (returned.contains(doc) == false) {
                    all.add(new ScoreDoc(doc, VECTOR_ONLY_SCORE));
                }
            }
            return new TopDocs(topDocs.totalHits, all.toArray(new ScoreDoc[0]));
        }
        return dropBelow ? new TopDocs(topDocs.totalHits, Arrays.copyOf(hits, n)) : topDocs;
    }

    /** The score of a vector hit that is not a keyword hit, below any keyword score (Lucene's scores are not negative). */
    static final float VECTOR_ONLY_SCORE = -Float.MAX_VALUE;

    @Override
    public Explanation explain(int topLevelDocId, IndexSearcher searcher, RescoreContext rescoreContext, Explanation sourceExplanation) {
        return sourceExplanation; // the keyword score is unchanged
    }
}
