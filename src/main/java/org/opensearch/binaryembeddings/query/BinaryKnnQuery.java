package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.BitSetIterator;
import org.opensearch.binaryembeddings.codec.BinaryVectors;
import org.opensearch.binaryembeddings.codec.BitSimilarity;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The Lucene side of {@code binary_knn} on one shard. Rewriting runs both phases and leaves a {@link FixedScoresQuery}:
 * <ol>
 * <li>shortlist: per segment, the {@code shortlist} nearest documents by Hamming (or Jaccard) similarity of the sign
 * bits, from the HNSW graph searched with beam {@code max(shortlist, numCandidates)} and the filter applied during the
 * walk; an exact scan when the segment or the filter is small enough that a scan is cheaper than the walk (then every
 * matching document is rescored);</li>
 * <li>rescoring: each segment's shortlist is scored with the float query against the stored full-precision values
 * (the field's rescoring similarity), and the shard keeps the best {@code k}.</li>
 * </ol>
 * Segments are searched as separate tasks on the searcher's executor (concurrently when the shard has slices).
 */
final class BinaryKnnQuery extends Query {

    private final String field;
    private final BinaryEmbeddingSpec spec;
    private final float[] vector; // truncated + normalized float query, or null when only bits were given
    private final byte[] bits;
    private final int k;
    private final int shortlist;
    private final int numCandidates;
    private final boolean rescore;
    private final Query filter;
    private final Float minScore;

    BinaryKnnQuery(
        String field,
        BinaryEmbeddingSpec spec,
        float[] vector,
        byte[] bits,
        int k,
        int shortlist,
        int numCandidates,
        boolean rescore,
        Query filter,
        Float minScore
    ) {
        this.field = field;
        this.spec = spec;
        this.vector = vector;
        this.bits = bits;
        this.k = k;
        this.shortlist = Math.max(k, shortlist);
        this.numCandidates = numCandidates;
        this.rescore = rescore && vector != null && spec.hasRescoreValues();
        this.filter = filter;
        this.minScore = minScore;
    }

    /** One scored candidate: global doc, phase-1 bit similarity, final score. */
    record Hit(int doc, float bitScore, float score) {}

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        Weight filterWeight = null;
        if (filter != null) {
            Query f = new BooleanQuery.Builder().add(filter, BooleanClause.Occur.FILTER)
                .add(new FieldExistsQuery(field), BooleanClause.Occur.FILTER)
                .build();
            filterWeight = searcher.createWeight(searcher.rewrite(f), ScoreMode.COMPLETE_NO_SCORES, 1f);
        }
        // one task per segment on the searcher's executor, as Lucene's own kNN queries do: with OpenSearch's concurrent
        // segment search the segments' walks run in parallel (BinaryKnnConcurrentSearchDecider asks for it); without
        // an executor the tasks run one after another on this thread
        Weight fw = filterWeight;
        List<Callable<List<Hit>>> tasks = new ArrayList<>();
        for (LeafReaderContext ctx : searcher.getIndexReader().leaves()) {
            tasks.add(() -> searchLeaf(ctx, fw));
        }
        List<Hit> scored = new ArrayList<>();
        for (List<Hit> hits : searcher.getTaskExecutor().invokeAll(tasks)) {
            scored.addAll(hits);
        }
        List<Hit> top = new ArrayList<>();
        for (Hit h : bestFirst(scored)) {
            if (top.size() == k) {
                break;
            }
            if (minScore == null || h.score() >= minScore) {
                top.add(h);
            }
        }
        if (top.isEmpty()) {
            return new MatchNoDocsQuery("no binary_knn results");
        }
        if (rescore) {
            top = withBitSimilarities(searcher, top);
        }
        int[] docs = new int[top.size()];
        float[] scores = new float[top.size()];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = top.get(i).doc();
            scores[i] = top.get(i).score();
        }
        List<Hit> finalTop = top;
        return new FixedScoresQuery(searcher.getIndexReader().getContext(), docs, scores, (i, score) -> explain(finalTop.get(i), i), "binary_knn");
    }

    private Explanation explain(Hit hit, int rank) {
        float distance = spec.bitSimilarity() == BitSimilarity.HAMMING
            ? Math.round((1 - hit.bitScore()) * spec.binaryDims())
            : Float.NaN;
        Explanation phase1 = spec.bitSimilarity() == BitSimilarity.HAMMING
            ? Explanation.match(
                hit.bitScore(),
                String.format(Locale.ROOT, "hamming similarity 1 - %d/%d of the first %d sign bits", (int) distance, spec.binaryDims(), spec.binaryDims())
            )
            : Explanation.match(hit.bitScore(), "jaccard similarity of the first " + spec.binaryDims() + " sign bits");
        if (rescore == false) {
            return Explanation.match(hit.score(), "binary_knn score on [" + field + "]: bit similarity (no rescoring), rank " + (rank + 1), phase1);
        }
        return Explanation.match(
            hit.score(),
            "binary_knn score on [" + field + "]: " + describeRescoring() + " over " + spec.truncateTo() + " dims, rank " + (rank + 1),
            phase1
        );
    }

    private String describeRescoring() {
        return switch (spec.rescoreSimilarity()) {
            case COSINE -> "(1 + cosine) / 2";
            case DOT_PRODUCT -> "max(0, (1 + dot_product) / 2)";
            case L2 -> "1 / (1 + l2_distance²)";
        };
    }

    private List<Hit> searchLeaf(LeafReaderContext ctx, Weight filterWeight) throws IOException {
        LeafReader reader = ctx.reader();
        BinaryVectors vectors = BinaryVectors.forLeaf(reader, field);
        if (vectors == null) {
            org.apache.lucene.index.FieldInfo info = reader.getFieldInfos().fieldInfo(field);
            if (info != null && info.getVectorDimension() > 0) {
                // the field has vectors, but not in the plugin's codec: an in-memory reader (the percolator's document)
                // that would silently match nothing
                throw new IllegalArgumentException(
                    "[binary_knn] on field [" + field + "] can only search an index's segments, not an in-memory document (such as a "
                        + "percolated one); percolate with other queries"
                );
            }
            return List.of(); // no document of this segment has the field
        }
        BitSet accepted = null;
        int candidates = vectors.bitValues().size();
        if (filterWeight != null) {
            Scorer s = filterWeight.scorer(ctx);
            if (s == null) {
                return List.of();
            }
            accepted = BitSet.of(s.iterator(), reader.maxDoc());
            candidates = accepted.cardinality();
        }
        int beam = Math.max(shortlist, numCandidates);
        // When no more docs can match than a graph walk would visit anyway, score them all: with rescoring values
        // that makes the result exact, and costs no more than the walk.
        boolean scoreAll = rescore && candidates <= beam;
        TopDocs found;
        if (scoreAll) {
            found = vectors.exactSearch(bits, Math.max(1, candidates), iterator(accepted));
        } else if (rescore) {
            // the graph walked by the asymmetric estimate of the float query's similarity (AsymmetricQuery, over the
            // segment's centred codes), its whole beam narrowed to the shortlist by the same estimate with the float
            // values: Hamming throws the query's magnitudes away, and its ties and near-ties are where a sign-bit
            // shortlist loses true neighbours
            TopDocs beamDocs = vectors.searchAsymmetric(vector, beam, beam, iterator(accepted));
            found = AsymmetricShortlist.narrow(vectors, vector, beamDocs, shortlist);
        } else {
            found = vectors.searchBits(bits, shortlist, beam, iterator(accepted));
        }
        int[] docs = new int[found.scoreDocs.length];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = found.scoreDocs[i].doc;
        }
        float[] rescored = rescore ? vectors.rescore(vector, docs) : null;
        List<Hit> hits = new ArrayList<>(docs.length);
        for (int i = 0; i < docs.length; i++) {
            // with rescoring the walk's score may be the asymmetric estimate: the shard's top hits get their bit
            // similarity afterwards (withBitSimilarities), not every segment's whole shortlist
            float bitScore = found.scoreDocs[i].score;
            float score = rescored == null ? bitScore : rescored[i];
            if (Float.isNaN(score) == false) {
                hits.add(new Hit(ctx.docBase + docs[i], bitScore, score));
            }
        }
        return hits;
    }

    /**
     * The hits with the bit similarity (Hamming / Jaccard) of their sign bits to the query's, which explain shows: with
     * rescoring the walk scored them by the asymmetric estimate, and only the shard's final top {@code k} need the
     * similarity, so it is computed here rather than for every segment's shortlist.
     */
    private List<Hit> withBitSimilarities(IndexSearcher searcher, List<Hit> top) throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        // by doc, so that each segment's hits are one run: one bitScores call per segment (each call opens its bits)
        long[] byDoc = new long[top.size()];
        for (int i = 0; i < byDoc.length; i++) {
            byDoc[i] = ((long) top.get(i).doc() << 32) | i;
        }
        Arrays.sort(byDoc);
        Hit[] out = new Hit[top.size()];
        for (int from = 0, to; from < byDoc.length; from = to) {
            LeafReaderContext ctx = leaves.get(ReaderUtil.subIndex((int) (byDoc[from] >>> 32), leaves));
            int end = ctx.docBase + ctx.reader().maxDoc();
            to = from;
            while (to < byDoc.length && (int) (byDoc[to] >>> 32) < end) {
                to++;
            }
            int[] docs = new int[to - from];
            for (int r = from; r < to; r++) {
                docs[r - from] = (int) (byDoc[r] >>> 32) - ctx.docBase;
            }
            float[] bitScores = BinaryVectors.forLeaf(ctx.reader(), field).bitScores(bits, docs);
            for (int r = from; r < to; r++) {
                Hit h = top.get((int) byDoc[r]);
                out[(int) byDoc[r]] = new Hit(h.doc(), bitScores[r - from], h.score());
            }
        }
        return Arrays.asList(out);
    }

    /** The hits by score, best first, ties by doc ({@link ScoreOrder}). */
    static List<Hit> bestFirst(List<Hit> hits) {
        int[] docs = new int[hits.size()];
        float[] scores = new float[hits.size()];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = hits.get(i).doc();
            scores[i] = hits.get(i).score();
        }
        List<Hit> sorted = new ArrayList<>(docs.length);
        for (int i : ScoreOrder.bestFirst(docs, scores)) {
            sorted.add(hits.get(i));
        }
        return sorted;
    }

    private static DocIdSetIterator iterator(BitSet accepted) {
        return accepted == null ? null : new BitSetIterator(accepted, accepted.approximateCardinality());
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(field)) {
            visitor.visitLeaf(this);
        }
    }

    @Override
    public String toString(String f) {
        return "binary_knn(" + field + ", k=" + k + ", shortlist=" + shortlist + ", num_candidates=" + numCandidates + ", rescore=" + rescore
            + (filter == null ? "" : ", filter=" + filter) + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (sameClassAs(o) == false) {
            return false;
        }
        BinaryKnnQuery q = (BinaryKnnQuery) o;
        return field.equals(q.field) && Arrays.equals(vector, q.vector) && Arrays.equals(bits, q.bits) && k == q.k
            && shortlist == q.shortlist && numCandidates == q.numCandidates && rescore == q.rescore && Objects.equals(filter, q.filter)
            && Objects.equals(minScore, q.minScore) && spec.equals(q.spec);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
            classHash(),
            field,
            Arrays.hashCode(vector),
            Arrays.hashCode(bits),
            k,
            shortlist,
            numCandidates,
            rescore,
            filter,
            minScore
        );
    }

    /** Unused by rewriting but required: the query never reaches a searcher un-rewritten. */
    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        return searcher.rewrite(this).createWeight(searcher, scoreMode, boost);
    }
}
