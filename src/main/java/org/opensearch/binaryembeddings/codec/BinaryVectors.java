package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.ConjunctionUtils;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.FilteredDocIdSetIterator;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * One field of one segment indexed with {@link BinaryHnswVectorsFormat}: what query code calls to search the bits and
 * to rescore with the full-precision values. Doc ids are the segment's; deleted docs never come back from a search.
 *
 * <pre>{@code
 * BinaryVectors v = BinaryVectors.forLeaf(leafReader, "embedding");      // null: not this format here
 * byte[] q = SignBits.pack(queryVector, v.config().binaryDims());
 * TopDocs shortlist = v.searchBits(q, 40, BinaryVectors.defaultEfSearch(40), filterIteratorOrNull);
 * float[] exact = v.rescore(queryVector, docsOf(shortlist));           // rescoring similarity, NaN without a value
 * }</pre>
 */
public final class BinaryVectors {

    /** Candidates a graph search collects at least ({@link #defaultEfSearch}). */
    public static final int DEFAULT_EF_SEARCH = 100;

    private final LeafReader leaf;
    private final String field;
    private final BinaryHnswVectorsReader reader;
    private final BinaryFieldConfig config;

    private BinaryVectors(LeafReader leaf, String field, BinaryHnswVectorsReader reader, BinaryFieldConfig config) {
        this.leaf = leaf;
        this.field = field;
        this.reader = reader;
        this.config = config;
    }

    /**
     * The field in this segment, or null when the segment has no vectors for it or they are not in
     * {@link BinaryHnswVectorsFormat}. Filter readers (e.g. soft-delete or exitable wrappers) are looked through for
     * the codec reader; deletes are those of {@code leaf} itself.
     */
    public static BinaryVectors forLeaf(LeafReader leaf, String field) {
        if (leaf.getFieldInfos().fieldInfo(field) == null) {
            return null;
        }
        LeafReader unwrapped = FilterLeafReader.unwrap(leaf);
        if (unwrapped instanceof CodecReader codecReader) {
            KnnVectorsReader vectors = codecReader.getVectorReader();
            if (vectors instanceof PerFieldKnnVectorsFormat.FieldsReader perField) {
                vectors = perField.getFieldReader(field);
            }
            if (vectors instanceof BinaryHnswVectorsReader ours) {
                BinaryFieldConfig config = ours.config(field);
                if (config != null) {
                    return new BinaryVectors(leaf, field, ours, config);
                }
            }
        }
        return null;
    }

    /** The search width to use for the top {@code n}: {@code max(n, 100)}; see {@link BinaryHnswVectorsFormat}. */
    public static int defaultEfSearch(int n) {
        return Math.max(n, DEFAULT_EF_SEARCH);
    }

    /** Dimensions, binary dims, bit similarity, rescoring precision and similarity of the field. */
    public BinaryFieldConfig config() {
        return config;
    }

    /**
     * The top {@code n} docs by bit similarity to {@code queryBits} ({@code config().bitBytes()} bytes), scores in
     * [0, 1]. An HNSW search collecting {@code max(n, efSearch)} candidates, restricted to the live docs that match
     * {@code filter} (null: all live docs) while it walks the graph. It turns into an exact scan when that is cheaper
     * or the only way to be complete, by the rule of Lucene's kNN queries: when at most {@code max(n, efSearch)} docs
     * pass the filter, when the graph search would visit more docs than pass the filter (it then stops at that many
     * visits and the scan takes over), and on segments too small to have a graph.
     *
     * @param filter docs allowed, or null; it is consumed
     */
    public TopDocs searchBits(byte[] queryBits, int n, int efSearch, DocIdSetIterator filter) throws IOException {
        checkQuery(queryBits, n);
        return searchTarget(queryBits, n, efSearch, filter);
    }

    /**
     * {@link #searchBits}, but the graph is walked (and the exact fallback scans) by the asymmetric estimate of
     * {@code query}'s similarity to each document's sign bits ({@link AsymmetricQuery}), so the candidates are the
     * documents the float query is likely nearest to rather than those with the fewest differing bits. The scores are
     * that estimate, not a bit similarity.
     *
     * @param query the float query (its first {@code binaryDims} values are used)
     */
    public TopDocs searchAsymmetric(float[] query, int n, int efSearch, DocIdSetIterator filter) throws IOException {
        if (query.length < config.binaryDims()) {
            throw new IllegalArgumentException(
                "query has " + query.length + " dims, field [" + field + "] binarizes " + config.binaryDims()
            );
        }
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive, got " + n);
        }
        return searchTarget(AsymmetricQuery.encode(estimateQuery(query), config.binaryDims()), n, efSearch, filter);
    }

    /** The query as the graph's codes estimate with it: as given over sign bits, centred on the segment's mean over centred codes. */
    private float[] estimateQuery(float[] query) {
        float[] centroid = reader.centroid(field);
        return centroid == null ? query : CentredCodes.centredQuery(query, centroid, config.rescoreSimilarity());
    }

    /**
     * The graph walk (or exact scan) for a target the bits' scorer understands: packed sign bits (walked by their bit
     * similarity) or an asymmetric query (walked by its estimate over the graph's codes).
     */
    private TopDocs searchTarget(byte[] queryBits, int n, int efSearch, DocIdSetIterator filter) throws IOException {
        int k = Math.max(n, efSearch);
        AcceptDocs accept = acceptDocs(filter);
        if (filter == null) {
            return firstN(reader.walk(field, queryBits, k, accept), n);
        }
        // filtered: Lucene's searcher (its filtered strategy), stopped once it has visited more docs than pass
        int passing = accept.cost();
        if (passing <= k) {
            return exactSearch(queryBits, n, accept);
        }
        TopKnnCollector collector = new TopKnnCollector(k, passing + 1);
        if (queryBits.length == config.bitBytes()) {
            reader.searchSignBits(field, config, queryBits, collector, accept);
        } else {
            reader.graphReader().search(field, queryBits, collector, accept);
        }
        if (collector.earlyTerminated()) {
            return exactSearch(queryBits, n, accept);
        }
        return firstN(collector.topDocs(), n);
    }

    private static TopDocs firstN(TopDocs top, int n) {
        return top.scoreDocs.length > n ? new TopDocs(top.totalHits, Arrays.copyOf(top.scoreDocs, n)) : top;
    }

    /** {@link #searchBits} with the sign bits of a float query of {@code config().dimension()} values. */
    public TopDocs search(float[] query, int n, int efSearch, DocIdSetIterator filter) throws IOException {
        return searchBits(SignBits.pack(query, config.binaryDims()), n, efSearch, filter);
    }

    /** The exact top {@code n} by bit similarity among the live docs that match {@code filter} (null: all). */
    public TopDocs exactSearch(byte[] queryBits, int n, DocIdSetIterator filter) throws IOException {
        checkQuery(queryBits, n);
        return exactSearch(queryBits, n, acceptDocs(filter));
    }

    private TopDocs exactSearch(byte[] queryBits, int n, AcceptDocs accept) throws IOException {
        ByteVectorValues bits = reader.getByteVectorValues(field);
        RandomVectorScorer scorer = reader.bitScorer(field, queryBits);
        KnnVectorValues.DocIndexIterator vectors = bits.iterator();
        DocIdSetIterator docs = ConjunctionUtils.intersectIterators(List.of(accept.iterator(), vectors));
        TopKnnCollector collector = new TopKnnCollector(n, Integer.MAX_VALUE);
        int scored = 0;
        for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
            collector.collect(doc, scorer.score(vectors.index()));
            scored++;
        }
        TopDocs top = collector.topDocs();
        return new TopDocs(new TotalHits(scored, TotalHits.Relation.EQUAL_TO), top.scoreDocs);
    }

    private AcceptDocs acceptDocs(DocIdSetIterator filter) throws IOException {
        Bits live = leaf.getLiveDocs();
        if (filter == null) {
            return AcceptDocs.fromLiveDocs(live, leaf.maxDoc());
        }
        // a BitSet makes AcceptDocs count the passing docs exactly
        DocIdSetIterator liveFilter = live == null ? filter : new FilteredDocIdSetIterator(filter) {
            @Override
            protected boolean match(int doc) {
                return live.get(doc);
            }
        };
        BitSet passing = BitSet.of(liveFilter, leaf.maxDoc());
        return AcceptDocs.fromLiveDocs(passing, leaf.maxDoc());
    }

    private void checkQuery(byte[] queryBits, int n) {
        if (queryBits.length != config.bitBytes()) {
            throw new IllegalArgumentException(
                "query has " + queryBits.length + " bytes, field [" + field + "] has " + config.bitBytes() + " bytes of packed bits"
            );
        }
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive, got " + n);
        }
    }

    /** The graph's records (sign bits, or {@link CentredCodes} records) by ordinal. */
    ByteVectorValues graphValues() throws IOException {
        return reader.graphValues(field);
    }

    /** The packed bits of the docs that have a value (including deleted docs), by ordinal; doc ↔ ord through it. */
    public ByteVectorValues bitValues() throws IOException {
        return reader.getByteVectorValues(field);
    }

    /**
     * The full-precision values of a float field, by ordinal (int8 restored to floats), read off-heap; null for a byte
     * field. Following Lucene's contract for lossy formats, their {@code scorer(query)} scores by bit similarity (as the
     * graph does) and their {@code rescorer(query)} with the field's similarity on these values.
     */
    public FloatVectorValues rescoringValues() throws IOException {
        return config.hasRescoringValues() ? reader.getFloatVectorValues(field) : null;
    }

    /**
     * The rescoring similarity (Lucene's {@code VectorSimilarityFunction.compare} of the field's similarity, so
     * higher is better) of {@code query} and the stored values of each of {@code docs}, in the order given; NaN for a
     * doc without a value.
     *
     * @throws IllegalStateException for a byte field, which stores no values
     */
    public float[] rescore(float[] query, int[] docs) throws IOException {
        FloatVectorValues values = rescoringValues();
        if (values == null) {
            throw new IllegalStateException("field [" + field + "] stores no rescoring values (precision none)");
        }
        if (query.length != config.dimension()) {
            throw new IllegalArgumentException("query has " + query.length + " dims, field [" + field + "] has " + config.dimension());
        }
        int[] ords = ordinals(values, docs);
        if (values instanceof RescoreVectorValues mapped) {
            mapped.touch(ords);
        }
        return scoreOrds(ords, ord -> config.rescoreSimilarity().compare(query, values.vectorValue(ord)));
    }

    /**
     * The float query's estimate of its dot product with each of {@code docs}, as {@link #searchAsymmetric} walks by it
     * but with the query's values unquantized, read from the graph's records (not the rescoring values): a ranking of
     * candidates within this segment, not a similarity. In the order given; NaN for a doc without a value.
     */
    public float[] estimates(float[] query, int[] docs) throws IOException {
        if (query.length < config.binaryDims()) {
            throw new IllegalArgumentException(
                "query has " + query.length + " dims, field [" + field + "] binarizes " + config.binaryDims()
            );
        }
        FloatQueryEstimate estimate = new FloatQueryEstimate(estimateQuery(query), config);
        ByteVectorValues records = reader.graphValues(field);
        return scoreDocs(records, docs, ord -> estimate.score(records.vectorValue(ord)));
    }

    /**
     * The field's bit similarity (as {@link #searchBits} scores) of {@code queryBits} and the bits of each of
     * {@code docs}, in the order given; NaN for a doc without a value.
     */
    public float[] bitScores(byte[] queryBits, int[] docs) throws IOException {
        checkQuery(queryBits, 1);
        ByteVectorValues bits = bitValues();
        return scoreDocs(bits, docs, ord -> config.bitSimilarity().score(queryBits, bits.vectorValue(ord)));
    }

    private interface OrdScorer {
        float score(int ord) throws IOException;
    }

    /** Scores each of {@code docs} (reported in the order given) by its ordinal in {@code values}. */
    private static float[] scoreDocs(KnnVectorValues values, int[] docs, OrdScorer scorer) throws IOException {
        return scoreOrds(ordinals(values, docs), scorer);
    }

    /** The score of each ordinal, NaN where it is negative (no value). */
    private static float[] scoreOrds(int[] ords, OrdScorer scorer) throws IOException {
        float[] scores = new float[ords.length];
        for (int i = 0; i < ords.length; i++) {
            scores[i] = ords[i] < 0 ? Float.NaN : scorer.score(ords[i]);
        }
        return scores;
    }

    /** The ordinal in {@code values} of each of {@code docs} (looked up in doc order), -1 for a doc without a value. */
    private static int[] ordinals(KnnVectorValues values, int[] docs) throws IOException {
        long[] byDoc = new long[docs.length]; // doc in the high half, position in the low half: sorts by doc
        for (int i = 0; i < docs.length; i++) {
            byDoc[i] = ((long) docs[i] << 32) | i;
        }
        Arrays.sort(byDoc);
        int[] ords = new int[docs.length];
        Arrays.fill(ords, -1);
        KnnVectorValues.DocIndexIterator it = values.iterator();
        for (long entry : byDoc) {
            int doc = (int) (entry >>> 32);
            if (it.docID() < doc) {
                it.advance(doc);
            }
            if (it.docID() == doc) {
                ords[(int) entry] = it.index();
            }
        }
        return ords;
    }
}
