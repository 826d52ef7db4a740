package org.opensearch.binaryembeddings.query;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.opensearch.binaryembeddings.codec.BinaryFieldConfig;
import org.opensearch.binaryembeddings.codec.BinaryHnswVectorsFormat;
import org.opensearch.binaryembeddings.codec.BitSimilarity;
import org.opensearch.binaryembeddings.codec.RescorePrecision;
import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;

import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * binary_knn searches each segment as a task on the searcher's executor: with an executor (OpenSearch's concurrent
 * segment search) the hits and scores are those of the same search on one thread, with and without a filter, graph
 * walk and exact path alike.
 */
public class ConcurrentSegmentsTests extends LuceneTestCase {

    private static final int DIMS = 64;
    private static final BinaryEmbeddingSpec SPEC = new BinaryEmbeddingSpec(
        DIMS,
        DIMS,
        DIMS,
        BitSimilarity.HAMMING,
        RescorePrecision.FLOAT32,
        BinaryEmbeddingSpec.RescoreSimilarity.COSINE,
        null,
        16,
        100,
        false
    );

    public void testSameHitsWithAndWithoutAnExecutor() throws Exception {
        Random random = new Random(42);
        FieldType type = new FieldType(KnnFloatVectorField.createFieldType(DIMS, VectorSimilarityFunction.COSINE));
        type.putAttribute(BinaryFieldConfig.BINARY_DIMS_ATTRIBUTE, Integer.toString(DIMS));
        type.putAttribute(BinaryFieldConfig.SIMILARITY_ATTRIBUTE, BitSimilarity.HAMMING.attributeValue());
        type.putAttribute(BinaryFieldConfig.RESCORE_PRECISION_ATTRIBUTE, RescorePrecision.FLOAT32.attributeValue());
        type.freeze();
        KnnVectorsFormat format = new BinaryHnswVectorsFormat();
        Codec codec = new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try (Directory dir = newFSDirectory(createTempDir("segments"))) {
            // 10 segments of 400 (graph walks), one of 50 (below the beam: exact path)
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(codec).setMergePolicy(NoMergePolicy.INSTANCE);
            try (IndexWriter w = new IndexWriter(dir, iwc)) {
                for (int s = 0; s < 11; s++) {
                    for (int i = 0; i < (s == 10 ? 50 : 400); i++) {
                        Document d = new Document();
                        d.add(new KnnFloatVectorField("v", gaussian(random), type));
                        d.add(new StringField("tag", random.nextInt(4) == 0 ? "a" : "b", StringField.Store.NO));
                        w.addDocument(d);
                    }
                    w.flush();
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertEquals(11, reader.leaves().size());
                IndexSearcher oneThread = new IndexSearcher(reader);
                IndexSearcher concurrent = new IndexSearcher(reader, executor);
                for (int q = 0; q < 20; q++) {
                    float[] query = gaussian(random);
                    for (TermQuery filter : new TermQuery[] { null, new TermQuery(new Term("tag", "a")) }) {
                        BinaryKnnQuery knn = new BinaryKnnQuery("v", SPEC, unit(query), SignBits.pack(query, DIMS), 10, 40, 100, true, filter, null);
                        TopDocs expected = oneThread.search(knn, 10);
                        TopDocs actual = concurrent.search(knn, 10);
                        assertEquals(10, expected.scoreDocs.length);
                        assertEquals(expected.scoreDocs.length, actual.scoreDocs.length);
                        for (int i = 0; i < expected.scoreDocs.length; i++) {
                            ScoreDoc e = expected.scoreDocs[i], a = actual.scoreDocs[i];
                            assertEquals("query " + q + " rank " + i, e.doc, a.doc);
                            assertEquals("query " + q + " rank " + i, e.score, a.score, 0f);
                        }
                    }
                }
            }
        } finally {
            executor.shutdown();
            assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private static float[] gaussian(Random random) {
        float[] v = new float[DIMS];
        for (int i = 0; i < DIMS; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static float[] unit(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(norm));
        }
        return out;
    }
}
