package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

import java.io.IOException;
import java.util.Random;

import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.doc;
import static org.opensearch.binaryembeddings.codec.BinaryTestSupport.floatField;

/**
 * Format versions: the current one builds a float field's graph over centred codes and keeps the raw sign bits beside
 * the rescoring values; an index written by version 0 (graph over the sign bits) still opens, searches, and is
 * rewritten in the current version by a merge.
 */
public class BinaryHnswFormatVersionTests extends LuceneTestCase {

    private static final String FIELD = "embedding";

    /** Vectors whose components lean positive, as real embeddings' do: raw sign bits are mostly 1, centred codes not. */
    private static float[][] leaningVectors(Random r, int n, int dims) {
        float[] lean = new float[dims];
        for (int i = 0; i < dims; i++) {
            lean[i] = 0.8f + 0.4f * r.nextFloat();
        }
        float[][] v = new float[n][dims];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < dims; i++) {
                v[j][i] = lean[i] + (float) r.nextGaussian();
            }
        }
        return v;
    }

    private static void index(
        Directory dir,
        BinaryHnswVectorsFormat format,
        float[][] vectors,
        int from,
        int to,
        RescorePrecision precision,
        VectorSimilarityFunction similarity
    ) throws IOException {
        IndexWriterConfig config = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(format));
        try (IndexWriter w = new IndexWriter(dir, config)) {
            for (int j = from; j < to; j++) {
                Document d = doc(new StoredField("id", j));
                d.add(floatField(FIELD, vectors[j], similarity, vectors[j].length, BitSimilarity.HAMMING, precision));
                w.addDocument(d);
            }
            w.commit();
        }
    }

    private static int id(LeafReader leaf, int doc) throws IOException {
        return leaf.storedFields().document(doc).getField("id").numericValue().intValue();
    }

    private static double onesShare(ByteVectorValues values, int bytes) throws IOException {
        long ones = 0;
        for (int ord = 0; ord < values.size(); ord++) {
            byte[] v = values.vectorValue(ord);
            for (int b = 0; b < bytes; b++) {
                ones += Integer.bitCount(v[b] & 0xFF);
            }
        }
        return ones / (double) (values.size() * bytes * 8L);
    }

    public void testCurrentVersionBuildsTheGraphOverCentredCodesAndKeepsTheRawBits() throws IOException {
        int n = 500, dims = 64;
        float[][] vectors = leaningVectors(random(), n, dims);
        RescorePrecision precision = random().nextBoolean() ? RescorePrecision.FLOAT32 : RescorePrecision.INT8;
        try (Directory dir = newDirectory()) {
            // COSINE (a doc's own vector is its nearest; codes made from unit-scaled vectors)
            index(dir, new BinaryHnswVectorsFormat(), vectors, 0, n, precision, VectorSimilarityFunction.COSINE);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                BinaryVectors v = BinaryVectors.forLeaf(leaf, FIELD);
                assertEquals(GraphCodes.CENTRED, v.config().graphCodes());
                ByteVectorValues raw = v.bitValues();
                assertRawBitsAreTheSignsGiven(leaf, raw, vectors, dims);
                ByteVectorValues graph = v.graphValues();
                assertEquals(dims / 8 + 2 * Float.BYTES, graph.dimension());
                double rawOnes = onesShare(raw, dims / 8), codeOnes = onesShare(graph, dims / 8);
                assertTrue("raw sign bits lean: " + rawOnes, rawOnes > 0.7);
                assertTrue("centred codes split each dim in about half: " + codeOnes, Math.abs(codeOnes - 0.5) < 0.05);
                // a vector's own float query finds it first, by the walk's estimate and after rescoring
                for (int q = 0; q < 20; q++) {
                    int j = random().nextInt(n);
                    TopDocs beam = v.searchAsymmetric(vectors[j], 10, 100, null);
                    int[] docs = BinaryTestSupport.docs(beam.scoreDocs);
                    float[] exact = v.rescore(vectors[j], docs);
                    int best = 0;
                    for (int i = 1; i < docs.length; i++) {
                        if (exact[i] > exact[best]) {
                            best = i;
                        }
                    }
                    assertEquals(j, id(leaf, docs[best]));
                }
                // rescore: false walks the same graph by the raw bits' Hamming similarity
                int j = random().nextInt(n);
                byte[] bits = SignBits.pack(vectors[j], dims);
                ScoreDoc top = v.searchBits(bits, 1, 100, null).scoreDocs[0];
                assertEquals(1f, top.score, 0f);
            }
            TestUtil.checkIndex(dir);
        }
    }

    public void testVersionZeroIndexSearchesAndMergesIntoTheCurrentVersion() throws IOException {
        int n = 400, dims = 48;
        float[][] vectors = leaningVectors(random(), n, dims);
        RescorePrecision precision = random().nextBoolean() ? RescorePrecision.FLOAT32 : RescorePrecision.INT8;
        try (Directory dir = newDirectory()) {
            BinaryHnswVectorsFormat old = new BinaryHnswVectorsFormat(16, 100, BinaryHnswVectorsFormat.VERSION_START);
            // EUCLIDEAN (a doc's own vector is its nearest; the codes' offset holds −‖x‖² / 2)
            index(dir, old, vectors, 0, n / 2, precision, VectorSimilarityFunction.EUCLIDEAN);
            index(dir, old, vectors, n / 2, n, precision, VectorSimilarityFunction.EUCLIDEAN);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertEquals(2, reader.leaves().size());
                for (var ctx : reader.leaves()) {
                    BinaryVectors v = BinaryVectors.forLeaf(ctx.reader(), FIELD);
                    assertEquals(GraphCodes.SIGN_BITS, v.config().graphCodes());
                    assertEquals(dims / 8, v.graphValues().dimension());
                    checkOwnVectorsFound(ctx.reader(), v, vectors);
                }
            }
            // a merge by the current format rewrites the segments as the current version
            IndexWriterConfig config = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(new BinaryHnswVectorsFormat()));
            try (IndexWriter w = new IndexWriter(dir, config)) {
                w.forceMerge(1);
            }
            TestUtil.checkIndex(dir);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                BinaryVectors v = BinaryVectors.forLeaf(leaf, FIELD);
                assertEquals(GraphCodes.CENTRED, v.config().graphCodes());
                assertRawBitsAreTheSignsGiven(leaf, v.bitValues(), vectors, dims);
                checkOwnVectorsFound(leaf, v, vectors);
            }
        }
    }

    /** The bits users see are the signs of the values as given, int8 or not, for every doc with a value. */
    private static void assertRawBitsAreTheSignsGiven(LeafReader leaf, ByteVectorValues raw, float[][] vectors, int dims) throws IOException {
        KnnVectorValues.DocIndexIterator it = raw.iterator();
        int seen = 0;
        for (int doc = it.nextDoc(); doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            assertArrayEquals(SignBits.pack(vectors[id(leaf, doc)], dims), raw.vectorValue(it.index()));
            seen++;
        }
        assertEquals(vectors.length, seen);
    }

    /** Each of a few docs' own bits find it at Hamming similarity 1, and its own float query ranks it first. */
    private static void checkOwnVectorsFound(LeafReader leaf, BinaryVectors v, float[][] vectors) throws IOException {
        for (int q = 0; q < 10; q++) {
            int doc = random().nextInt(leaf.maxDoc());
            float[] vector = vectors[id(leaf, doc)];
            ScoreDoc top = v.searchBits(SignBits.pack(vector, v.config().binaryDims()), 1, 100, null).scoreDocs[0];
            assertEquals(1f, top.score, 0f);
            TopDocs beam = v.searchAsymmetric(vector, 10, 100, null);
            int[] docs = BinaryTestSupport.docs(beam.scoreDocs);
            float[] exact = v.rescore(vector, docs);
            int best = 0;
            for (int i = 1; i < docs.length; i++) {
                if (exact[i] > exact[best]) {
                    best = i;
                }
            }
            assertEquals(doc, docs[best]);
        }
    }
}
