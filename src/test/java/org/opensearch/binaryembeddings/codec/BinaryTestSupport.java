package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Helpers shared by the codec tests: fields with the mapper's attributes, a codec, exact references. */
public final class BinaryTestSupport {

    private BinaryTestSupport() {}

    /** The production codec with {@code format} for every vector field (no test-framework wrappers). */
    public static Codec codec(KnnVectorsFormat format) {
        return new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    /** A float field as the mapper indexes it: the truncated vector, the rescoring similarity, the three attributes. */
    public static KnnFloatVectorField floatField(
        String name,
        float[] v,
        VectorSimilarityFunction similarity,
        int binaryDims,
        BitSimilarity bits,
        RescorePrecision precision
    ) {
        FieldType type = new FieldType(KnnFloatVectorField.createFieldType(v.length, similarity)); // createFieldType is frozen
        type.putAttribute(BinaryFieldConfig.BINARY_DIMS_ATTRIBUTE, Integer.toString(binaryDims));
        type.putAttribute(BinaryFieldConfig.SIMILARITY_ATTRIBUTE, bits.attributeValue());
        type.putAttribute(BinaryFieldConfig.RESCORE_PRECISION_ATTRIBUTE, precision.attributeValue());
        type.freeze();
        return new KnnFloatVectorField(name, v, type);
    }

    /** A byte field of packed bits as the mapper indexes it for precision none. */
    static KnnByteVectorField bitsField(String name, byte[] packed, BitSimilarity bits) {
        FieldType type = new FieldType(KnnByteVectorField.createFieldType(packed.length, VectorSimilarityFunction.EUCLIDEAN));
        type.putAttribute(BinaryFieldConfig.BINARY_DIMS_ATTRIBUTE, Integer.toString(packed.length * 8));
        type.putAttribute(BinaryFieldConfig.SIMILARITY_ATTRIBUTE, bits.attributeValue());
        type.putAttribute(BinaryFieldConfig.RESCORE_PRECISION_ATTRIBUTE, RescorePrecision.NONE.attributeValue());
        type.freeze();
        return new KnnByteVectorField(name, packed, type);
    }

    static Document doc(org.apache.lucene.index.IndexableField... fields) {
        Document d = new Document();
        for (org.apache.lucene.index.IndexableField f : fields) {
            d.add(f);
        }
        return d;
    }

    public static float[] gaussian(Random random, int dims) {
        float[] v = new float[dims];
        for (int i = 0; i < dims; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /** Exact scores of the query against every candidate (null entries are skipped), best first; ties by index. */
    static List<ScoreDoc> exactTop(BitSimilarity similarity, byte[] query, byte[][] candidates, int n) {
        List<ScoreDoc> all = new ArrayList<>();
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i] != null) {
                all.add(new ScoreDoc(i, similarity.score(query, candidates[i])));
            }
        }
        all.sort((a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc));
        return all.subList(0, Math.min(n, all.size()));
    }

    /**
     * Tie-aware recall: the share of {@code exact.size()} that {@code found} reaches, where a found doc counts when its
     * true score is at least the last exact score (another doc at the same distance is as good an answer).
     */
    static double tieAwareRecall(TopDocs found, List<ScoreDoc> exact, java.util.function.IntFunction<Float> trueScore) {
        if (exact.isEmpty()) {
            return 1;
        }
        float threshold = exact.get(exact.size() - 1).score;
        int hits = 0;
        for (ScoreDoc sd : found.scoreDocs) {
            if (trueScore.apply(sd.doc) >= threshold) {
                hits++;
            }
        }
        return Math.min(hits, exact.size()) / (double) exact.size();
    }

    static float[] scores(ScoreDoc[] docs) {
        float[] s = new float[docs.length];
        for (int i = 0; i < docs.length; i++) {
            s[i] = docs[i].score;
        }
        return s;
    }

    static float[] scores(List<ScoreDoc> docs) {
        return scores(docs.toArray(new ScoreDoc[0]));
    }

    /** The format's reader of {@code field} in {@code leaf} (which must hold it in {@link BinaryHnswVectorsFormat}). */
    static BinaryHnswVectorsReader ourReader(org.apache.lucene.index.LeafReader leaf, String field) {
        org.apache.lucene.codecs.KnnVectorsReader vectors = ((org.apache.lucene.index.CodecReader) org.apache.lucene.index.FilterLeafReader.unwrap(leaf))
            .getVectorReader();
        if (vectors instanceof org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat.FieldsReader perField) {
            vectors = perField.getFieldReader(field);
        }
        return (BinaryHnswVectorsReader) vectors;
    }

    static int[] docs(ScoreDoc[] docs) {
        return Arrays.stream(docs).mapToInt(d -> d.doc).toArray();
    }
}
