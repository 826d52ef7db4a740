package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.Field;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnByteVectorQuery;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.index.AssertingDirectoryReader;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.BitSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.bitsField;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.doc;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.exactTop;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.floatField;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.gaussian;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.scores;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.tieAwareRecall;
import static org.opensearch.binaryembeddings.testsupport.Vectors.unit;


/** The query-facing API: search by bits (graph, filtered, exact), rescoring values, bits by doc, reader unwrapping. */
public class BinaryVectorsTests extends LuceneTestCase {

    private static final String FIELD = "embedding";

    /** One segment of random unit vectors; some docs have no vector, some are deleted. Doc id = position. */
    private static final class Corpus {
        final int dims, binaryDims;
        final BitSimilarity bitSimilarity;
        final RescorePrecision precision;
        final VectorSimilarityFunction similarity;
        final float[][] vectors;
        final byte[][] bits;
        final boolean[] deleted;

        Corpus(java.util.Random random, int n) {
            dims = 16 + random.nextInt(120);
            binaryDims = 8 * (1 + random.nextInt((dims + 7) / 8));
            bitSimilarity = RandomPicks.pick(random, BitSimilarity.values());
            precision = random.nextBoolean() ? RescorePrecision.FLOAT32 : RescorePrecision.INT8;
            similarity = RandomPicks.pick(
                random,
                new VectorSimilarityFunction[] {
                    VectorSimilarityFunction.COSINE,
                    VectorSimilarityFunction.DOT_PRODUCT,
                    VectorSimilarityFunction.EUCLIDEAN }
            );
            vectors = new float[n][];
            bits = new byte[n][];
            deleted = new boolean[n];
            for (int i = 0; i < n; i++) {
                if (random.nextInt(10) != 0) {
                    vectors[i] = unit(gaussian(random, dims));
                    bits[i] = SignBits.pack(vectors[i], binaryDims);
                }
                deleted[i] = random.nextInt(10) == 0;
            }
        }

        /** Bits of live docs only: the reference for searches. */
        byte[][] liveBits() {
            byte[][] live = new byte[bits.length][];
            for (int i = 0; i < bits.length; i++) {
                live[i] = deleted[i] ? null : bits[i];
            }
            return live;
        }

        @Override
        public String toString() {
            return "dims=" + dims + " binaryDims=" + binaryDims + " " + bitSimilarity + " " + precision + " " + similarity;
        }
    }

    private static class RandomPicks {
        static <T> T pick(java.util.Random r, T[] values) {
            return values[r.nextInt(values.length)];
        }
    }

    private void index(Directory dir, Corpus c) throws IOException {
        IndexWriterConfig iwc = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()))
            .setMergePolicy(NoMergePolicy.INSTANCE)
            .setMaxBufferedDocs(IndexWriterConfig.DISABLE_AUTO_FLUSH)
            .setRAMBufferSizeMB(256);
        try (IndexWriter w = new IndexWriter(dir, iwc)) {
            for (int i = 0; i < c.vectors.length; i++) {
                Document d = doc(new StringField("id", Integer.toString(i), Field.Store.NO));
                if (c.vectors[i] != null) {
                    d.add(floatField(FIELD, c.vectors[i], c.similarity, c.binaryDims, c.bitSimilarity, c.precision));
                }
                w.addDocument(d);
            }
            for (int i = 0; i < c.vectors.length; i++) {
                if (c.deleted[i]) {
                    w.deleteDocuments(new Term("id", Integer.toString(i)));
                }
            }
            w.commit();
        }
    }

    public void testSearchRescoreAndValuesOfAFloatField() throws IOException {
        Corpus c = new Corpus(random(), 1500);
        try (Directory dir = newDirectory()) {
            index(dir, c);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                BinaryVectors v = BinaryVectors.forLeaf(leaf, FIELD);
                assertNotNull(v);
                assertEquals(new BinaryFieldConfig(c.dims, org.apache.lucene.index.VectorEncoding.FLOAT32, c.binaryDims, c.bitSimilarity,
                    c.precision, c.similarity), v.config());

                // bits and rescoring values by doc
                ByteVectorValues bitValues = v.bitValues();
                FloatVectorValues values = v.rescoringValues();
                KnnVectorValues.DocIndexIterator bitIt = bitValues.iterator(), valueIt = values.iterator();
                int count = 0;
                for (int doc = bitIt.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = bitIt.nextDoc(), count++) {
                    assertEquals(doc, valueIt.nextDoc());
                    assertArrayEquals(c.bits[doc], bitValues.vectorValue(bitIt.index()));
                    float[] stored = values.vectorValue(valueIt.index());
                    if (c.precision == RescorePrecision.FLOAT32) {
                        assertArrayEquals(c.vectors[doc], stored, 0f);
                    } else {
                        assertArrayEquals(restoredInt8(c.vectors[doc]), stored, 0f);
                    }
                }
                assertEquals(DocIdSetIterator.NO_MORE_DOCS, valueIt.nextDoc());
                assertEquals(java.util.Arrays.stream(c.vectors).filter(java.util.Objects::nonNull).count(), count);

                double recall = 0;
                int queries = 20;
                for (int q = 0; q < queries; q++) {
                    float[] query = unit(gaussian(random(), c.dims));
                    byte[] qBits = SignBits.pack(query, c.binaryDims);
                    List<ScoreDoc> exact = exactTop(c.bitSimilarity, qBits, c.liveBits(), 10);

                    TopDocs scan = v.exactSearch(qBits, 10, null);
                    assertArrayEquals(c.toString(), scores(exact), scores(scan.scoreDocs), 0f);
                    assertScoresAreTrue(c, qBits, scan);

                    TopDocs graph = v.searchBits(qBits, 10, 100, null);
                    assertEquals(10, graph.scoreDocs.length);
                    assertScoresAreTrue(c, qBits, graph);
                    recall += tieAwareRecall(graph, exact, doc -> c.bitSimilarity.score(qBits, c.bits[doc]));
                    // a float query is binarized the same way
                    assertArrayEquals(scores(graph.scoreDocs), scores(v.search(query, 10, 100, null).scoreDocs), 0f);

                    // rescoring: any order, duplicates, docs without a value or deleted
                    int[] docs = new int[30];
                    for (int i = 0; i < docs.length; i++) {
                        docs[i] = random().nextInt(c.vectors.length);
                    }
                    float[] rescored = v.rescore(query, docs);
                    for (int i = 0; i < docs.length; i++) {
                        float[] stored = c.vectors[docs[i]];
                        if (stored == null) {
                            assertTrue(Float.isNaN(rescored[i]));
                        } else {
                            float[] expectedValues = c.precision == RescorePrecision.FLOAT32 ? stored : restoredInt8(stored);
                            assertEquals(c.similarity.compare(query, expectedValues), rescored[i], 0f);
                            assertEquals(c.similarity.compare(query, stored), rescored[i], 0.01f);
                        }
                    }
                }
                recall /= queries;

                // Lucene's contract for lossy formats: scorer() scores like the graph, rescorer() with the stored values
                float[] query = unit(gaussian(random(), c.dims));
                byte[] qBits = SignBits.pack(query, c.binaryDims);
                org.apache.lucene.search.VectorScorer approximate = values.scorer(query), full = values.rescorer(query);
                DocIdSetIterator a = approximate.iterator(), f = full.iterator();
                for (int doc = a.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = a.nextDoc()) {
                    assertEquals(doc, f.nextDoc());
                    assertEquals(c.bitSimilarity.score(qBits, c.bits[doc]), approximate.score(), 0f);
                    float[] stored = c.precision == RescorePrecision.FLOAT32 ? c.vectors[doc] : restoredInt8(c.vectors[doc]);
                    assertEquals(c.similarity.compare(query, stored), full.score(), 0f);
                }
                assertEquals(DocIdSetIterator.NO_MORE_DOCS, f.nextDoc());
                assertTrue("recall " + recall + " " + c, recall >= 0.9);
            }
        }
    }

    private static float[] restoredInt8(float[] v) {
        byte[] record = new byte[RescorePrecision.INT8.recordBytes(v.length)];
        RescorePrecision.INT8.encode(v, record);
        float[] out = new float[v.length];
        RescorePrecision.INT8.decode(record, out);
        return out;
    }

    /** Every hit is live, has a vector, and carries its true bit similarity; hits are sorted best first. */
    private static void assertScoresAreTrue(Corpus c, byte[] qBits, TopDocs top) {
        float previous = Float.POSITIVE_INFINITY;
        for (ScoreDoc sd : top.scoreDocs) {
            assertFalse("deleted doc " + sd.doc, c.deleted[sd.doc]);
            assertNotNull("doc without vector " + sd.doc, c.bits[sd.doc]);
            assertEquals(c.bitSimilarity.score(qBits, c.bits[sd.doc]), sd.score, 0f);
            assertTrue(sd.score <= previous);
            previous = sd.score;
        }
    }

    public void testFilters() throws IOException {
        Corpus c = new Corpus(random(), 3000);
        try (Directory dir = newDirectory()) {
            index(dir, c);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                BinaryVectors v = BinaryVectors.forLeaf(leaf, FIELD);
                for (int density : new int[] { 5, 60, 400, 1500 }) { // docs let through of 3000 (some deleted, some without vector)
                    FixedBitSet filter = new FixedBitSet(c.vectors.length);
                    while (filter.cardinality() < density) {
                        filter.set(random().nextInt(c.vectors.length));
                    }
                    byte[][] allowed = c.liveBits();
                    for (int i = 0; i < allowed.length; i++) {
                        if (filter.get(i) == false) {
                            allowed[i] = null;
                        }
                    }
                    float[] query = unit(gaussian(random(), c.dims));
                    byte[] qBits = SignBits.pack(query, c.binaryDims);
                    List<ScoreDoc> exact = exactTop(c.bitSimilarity, qBits, allowed, 10);

                    TopDocs scan = v.exactSearch(qBits, 10, new BitSetIterator(filter, density));
                    assertArrayEquals(scores(exact), scores(scan.scoreDocs), 0f);

                    TopDocs found = v.searchBits(qBits, 10, 100, new BitSetIterator(filter, density));
                    assertScoresAreTrue(c, qBits, found);
                    for (ScoreDoc sd : found.scoreDocs) {
                        assertTrue("doc outside the filter: " + sd.doc, filter.get(sd.doc));
                    }
                    if (density <= 100) {
                        // at most max(n, efSearch) docs pass: exact scan, exactly the exact answer
                        assertArrayEquals(scores(exact), scores(found.scoreDocs), 0f);
                    } else {
                        assertEquals(exact.size(), found.scoreDocs.length);
                        assertTrue(tieAwareRecall(found, exact, doc -> c.bitSimilarity.score(qBits, c.bits[doc])) >= 0.7);
                    }
                }
            }
        }
    }

    public void testByteFieldOfPackedBits() throws IOException {
        BitSimilarity similarity = random().nextBoolean() ? BitSimilarity.HAMMING : BitSimilarity.JACCARD;
        int bytes = 1 + random().nextInt(64);
        int n = 1000;
        byte[][] bits = new byte[n][bytes];
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()));
            try (IndexWriter w = new IndexWriter(dir, iwc)) {
                for (int i = 0; i < n; i++) {
                    random().nextBytes(bits[i]);
                    w.addDocument(doc(bitsField(FIELD, bits[i], similarity)));
                }
                w.forceMerge(1);
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                BinaryVectors v = BinaryVectors.forLeaf(leaf, FIELD);
                assertEquals(bytes * 8, v.config().binaryDims());
                assertEquals(RescorePrecision.NONE, v.config().rescorePrecision());
                assertNull(v.rescoringValues());
                expectThrows(IllegalStateException.class, () -> v.rescore(new float[bytes], new int[] { 0 }));
                ByteVectorValues values = leaf.getByteVectorValues(FIELD);
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(bits[i], values.vectorValue(i));
                }
                byte[] q = new byte[bytes];
                random().nextBytes(q);
                List<ScoreDoc> exact = exactTop(similarity, q, bits, 10);
                assertArrayEquals(scores(exact), scores(v.exactSearch(q, 10, null).scoreDocs), 0f);
                TopDocs graph = v.searchBits(q, 10, 200, null);
                assertTrue(tieAwareRecall(graph, exact, doc -> similarity.score(q, bits[doc])) >= 0.8);
                // Lucene's own byte query searches the same graph
                TopDocs lucene = new IndexSearcher(reader).search(new KnnByteVectorQuery(FIELD, q, 10), 10);
                for (ScoreDoc sd : lucene.scoreDocs) {
                    assertEquals(similarity.score(q, bits[sd.doc]), sd.score, 0f);
                }
                expectThrows(IllegalArgumentException.class, () -> v.searchBits(new byte[bytes + 1], 10, 100, null));
            }
        }
    }

    public void testLuceneFloatQueryScoresByBits() throws IOException {
        Corpus c = new Corpus(random(), 1200);
        try (Directory dir = newDirectory()) {
            index(dir, c);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                float[] query = unit(gaussian(random(), c.dims));
                byte[] qBits = SignBits.pack(query, c.binaryDims);
                TopDocs top = new IndexSearcher(reader).search(new KnnFloatVectorQuery(FIELD, query, 10), 10);
                assertEquals(10, top.scoreDocs.length);
                assertScoresAreTrue(c, qBits, top);
            }
        }
    }

    public void testForLeafLooksThroughWrappersAndIgnoresOtherFields() throws IOException {
        Corpus c = new Corpus(random(), 50);
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(new Lucene104Codec() {
                @Override
                public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                    return field.equals(FIELD) ? new BinaryHnswVectorsFormat() : new Lucene99HnswVectorsFormat();
                }
            });
            try (IndexWriter w = new IndexWriter(dir, iwc)) {
                for (int i = 0; i < c.vectors.length; i++) {
                    Document d = doc(new StringField("id", Integer.toString(i), Field.Store.NO));
                    d.add(new KnnFloatVectorField("plain", unit(gaussian(random(), 8))));
                    if (c.vectors[i] != null) {
                        d.add(floatField(FIELD, c.vectors[i], c.similarity, c.binaryDims, c.bitSimilarity, c.precision));
                    }
                    w.addDocument(d);
                }
                w.deleteDocuments(new Term("id", "3"));
                w.forceMerge(1);
                w.deleteDocuments(new Term("id", "7"));
            }
            try (DirectoryReader reader = new AssertingDirectoryReader(DirectoryReader.open(dir))) {
                LeafReader leaf = getOnlyLeafReader(reader);
                BinaryVectors v = BinaryVectors.forLeaf(leaf, FIELD);
                assertNotNull(v);
                assertNull(BinaryVectors.forLeaf(leaf, "plain"));
                assertNull(BinaryVectors.forLeaf(leaf, "missing"));
                // the wrapper's deletes apply: doc "7" is deleted after the merge, "3" before it
                Bits live = leaf.getLiveDocs();
                Set<Integer> found = new HashSet<>();
                for (ScoreDoc sd : v.exactSearch(new byte[c.binaryDims / 8], 100, null).scoreDocs) {
                    assertTrue(live.get(sd.doc));
                    found.add(sd.doc);
                }
                int vectorsLeft = 0;
                for (int doc = 0; doc < leaf.maxDoc(); doc++) {
                    if (live.get(doc) && v.bitValues().iterator().advance(doc) == doc) {
                        vectorsLeft++;
                    }
                }
                assertEquals(vectorsLeft, found.size());
            }
        }
    }

    public void testInvalidConfigurationsAreRefused() throws IOException {
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()));
            try (IndexWriter w = new IndexWriter(dir, iwc)) {
                float[] v = unit(gaussian(random(), 16));
                var cosine = VectorSimilarityFunction.COSINE;
                // precision none needs a byte field of packed bits
                expectThrows(IllegalArgumentException.class,
                    () -> w.addDocument(doc(floatField("a", v, cosine, 16, BitSimilarity.HAMMING, RescorePrecision.NONE))));
            }
        }
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()));
            try (IndexWriter w = new IndexWriter(dir, iwc)) {
                float[] v = unit(gaussian(random(), 16));
                // more bits than dims (rounded up to a byte)
                expectThrows(IllegalArgumentException.class,
                    () -> w.addDocument(doc(floatField("b", v, VectorSimilarityFunction.COSINE, 24, BitSimilarity.HAMMING, RescorePrecision.INT8))));
            }
        }
        expectThrows(IllegalArgumentException.class,
            () -> new BinaryFieldConfig(4, org.apache.lucene.index.VectorEncoding.BYTE, 16, BitSimilarity.HAMMING, RescorePrecision.NONE, null));
        expectThrows(IllegalArgumentException.class,
            () -> new BinaryFieldConfig(16, org.apache.lucene.index.VectorEncoding.FLOAT32, 12, BitSimilarity.HAMMING, RescorePrecision.FLOAT32,
                VectorSimilarityFunction.COSINE));
    }
}
