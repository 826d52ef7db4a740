package org.opensearch.binaryembeddings.mapper;

import org.apache.lucene.codecs.StoredFieldsReader;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FilterCodecReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.BytesRef;
import org.opensearch.binaryembeddings.codec.BinaryEmbeddingsCodec;
import org.opensearch.binaryembeddings.codec.BinaryHnswVectorsFormat;
import org.opensearch.binaryembeddings.codec.BitSimilarity;
import org.opensearch.binaryembeddings.codec.DerivedSourceStoredFieldsFormat;
import org.opensearch.binaryembeddings.codec.RescorePrecision;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The codec's derived-source stored fields in plain Lucene: placeholders are filled from the segment's vectors on
 * read; a force merge (bulk copy of stored documents) and a merge whose readers are wrapped by someone else
 * (document-by-document copy through the writer, which must strip what reading filled in) both keep the stored
 * documents free of vectors and read back the same values.
 */
public class DerivedSourceStoredFieldsTests extends OpenSearchTestCase {

    private static final int DIMS = 16;

    private static final BinaryEmbeddingSpec SPEC = new BinaryEmbeddingSpec(
        DIMS, DIMS, DIMS, BitSimilarity.HAMMING, RescorePrecision.FLOAT32, BinaryEmbeddingSpec.RescoreSimilarity.COSINE, null, 16, 100, false
    );

    private static IndexWriterConfig config() {
        return new IndexWriterConfig().setCodec(new BinaryEmbeddingsCodec(new Lucene104Codec(), f -> f.equals("e") ? new BinaryHnswVectorsFormat() : null))
            .setMergePolicy(org.apache.lucene.index.NoMergePolicy.INSTANCE);
    }

    private static void add(IndexWriter w, int id, float[] v) throws IOException {
        Document doc = new Document();
        if (v != null) {
            doc.add(new KnnFloatVectorField("e", v, BinaryEmbeddingFieldMapper.luceneFieldType(SPEC, true)));
        }
        doc.add(new StoredField("_source", ("{\"id\":" + id + ",\"e\":null}").getBytes(StandardCharsets.UTF_8)));
        w.addDocument(doc);
    }

    /** id → the e values of each document's _source, read with or without the codec filling placeholders. */
    private static Map<Integer, Object> sources(Directory dir, boolean fill) throws IOException {
        DerivedSourceStoredFieldsFormat.install(fill ? SourceVectors.INSTANCE : null);
        Map<Integer, Object> out = new HashMap<>();
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
            for (LeafReaderContext leaf : reader.leaves()) {
                for (int d = 0; d < leaf.reader().maxDoc(); d++) {
                    BytesRef b = leaf.reader().storedFields().document(d).getBinaryValue("_source");
                    Map<String, Object> map = XContentHelper.convertToMap(new BytesArray(b), true, XContentType.JSON).v2();
                    out.put(((Number) map.get("id")).intValue(), map.get("e"));
                }
            }
        } finally {
            DerivedSourceStoredFieldsFormat.install(SourceVectors.INSTANCE);
        }
        return out;
    }

    private static Object expected(float[] v) {
        if (v == null) {
            return null;
        }
        List<Double> l = new ArrayList<>();
        for (float x : v) {
            l.add((double) x);
        }
        return l;
    }

    private static void assertValues(Map<Integer, float[]> vectors, Map<Integer, Object> actual) {
        assertEquals(vectors.keySet(), actual.keySet());
        for (Map.Entry<Integer, float[]> e : vectors.entrySet()) {
            Object got = actual.get(e.getKey());
            if (e.getValue() == null) {
                assertNull(got);
            } else {
                List<?> l = (List<?>) got;
                assertEquals(DIMS, l.size());
                for (int i = 0; i < DIMS; i++) {
                    assertEquals("doc " + e.getKey(), e.getValue()[i], ((Number) l.get(i)).floatValue(), 0f);
                }
            }
        }
    }

    private static void assertNoVectorsStored(Directory dir) throws IOException {
        for (Map.Entry<Integer, Object> e : sources(dir, false).entrySet()) {
            assertNull("doc " + e.getKey() + " stores its vector", e.getValue());
        }
    }

    public void testReadFlushMergeAndForeignMerge() throws Exception {
        Random r = new Random(randomLong());
        Map<Integer, float[]> vectors = new HashMap<>();
        try (Directory dir = newDirectory(); Directory copy = newDirectory()) {
            try (IndexWriter w = new IndexWriter(dir, config())) {
                for (int i = 0; i < 60; i++) {
                    float[] v = null;
                    if (i % 7 != 3) { // some documents without a vector keep their null
                        v = new float[DIMS];
                        for (int j = 0; j < DIMS; j++) {
                            v[j] = (float) r.nextGaussian();
                        }
                        float norm = 0;
                        for (float x : v) {
                            norm += x * x;
                        }
                        for (int j = 0; j < DIMS; j++) {
                            v[j] /= (float) Math.sqrt(norm);
                        }
                    }
                    vectors.put(i, v);
                    add(w, i, v);
                    if (i % 20 == 19) {
                        w.commit();
                    }
                }
            }
            assertValues(vectors, sources(dir, true));
            assertNoVectorsStored(dir);

            try (IndexWriter w = new IndexWriter(dir, config().setMergePolicy(newLogMergePolicy()))) {
                w.forceMerge(1);
            }
            assertValues(vectors, sources(dir, true));
            assertNoVectorsStored(dir);

            // a merge of readers whose stored fields someone else wrapped: copied document by document
            try (DirectoryReader reader = DirectoryReader.open(dir); IndexWriter w = new IndexWriter(copy, config())) {
                List<CodecReader> wrapped = new ArrayList<>();
                for (LeafReaderContext leaf : reader.leaves()) {
                    wrapped.add(new FilterCodecReader((CodecReader) leaf.reader()) {
                        @Override
                        public StoredFieldsReader getFieldsReader() {
                            return new Foreign(super.getFieldsReader());
                        }

                        @Override
                        public CacheHelper getCoreCacheHelper() {
                            return null;
                        }

                        @Override
                        public CacheHelper getReaderCacheHelper() {
                            return null;
                        }
                    });
                }
                w.addIndexes(wrapped.toArray(new CodecReader[0]));
            }
            assertValues(vectors, sources(copy, true));
            assertNoVectorsStored(copy);
        }
    }

    /** A stored fields reader that is not the codec's own. */
    private static final class Foreign extends StoredFieldsReader {
        private final StoredFieldsReader in;

        Foreign(StoredFieldsReader in) {
            this.in = in;
        }

        @Override
        public void document(int docID, StoredFieldVisitor visitor) throws IOException {
            in.document(docID, visitor);
        }

        @Override
        public StoredFieldsReader clone() {
            return new Foreign(in.clone());
        }

        @Override
        public StoredFieldsReader getMergeInstance() {
            return new Foreign(in.getMergeInstance());
        }

        @Override
        public void checkIntegrity() throws IOException {
            in.checkIntegrity();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
