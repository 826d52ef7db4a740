package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Random;

/**
 * The nibble table gives the same set-bit sums as adding the query values of the set bits one by one; over centred
 * codes the estimate is the record's factor times the signed sum, and it ranks like the float dot product it stands for.
 */
public class FloatQueryEstimateTests extends LuceneTestCase {

    public void testSetSumEqualsBitByBitSum() {
        Random r = random();
        for (int round = 0; round < 200; round++) {
            int binaryDims = 8 * (1 + r.nextInt(64));
            int dims = binaryDims + r.nextInt(3) * 8;
            float[] query = new float[dims];
            for (int i = 0; i < dims; i++) {
                query[i] = (float) r.nextGaussian();
            }
            float[] doc = new float[dims];
            for (int i = 0; i < dims; i++) {
                doc[i] = (float) r.nextGaussian();
            }
            byte[] bits = SignBits.pack(doc, binaryDims);
            double expected = 0;
            for (int i = 0; i < binaryDims; i++) {
                if ((bits[i / 8] & (0x80 >>> (i % 8))) != 0) {
                    expected += query[i];
                }
            }
            float got = FloatQueryEstimate.setSum(bits, bits.length, FloatQueryEstimate.nibbleTable(query, binaryDims));
            assertEquals(expected, got, 1e-4 * (1 + Math.abs(expected)));
        }
    }

    public void testQueryShorterThanTheBitsCountsZeros() {
        float[] query = { 1f, 2f, 3f };
        byte[] bits = { (byte) 0xFF };
        assertEquals(6f, FloatQueryEstimate.setSum(bits, 1, FloatQueryEstimate.nibbleTable(query, 8)), 0f);
    }

    /** Over centred codes, with the centred query: the offset {@code c · r} plus the factor times the signed sum. */
    public void testCentredEstimateIsOffsetPlusFactorTimesSignedSum() throws Exception {
        Random r = random();
        int binaryDims = 64;
        float[] query = new float[binaryDims];
        float[] vector = new float[binaryDims];
        float[] mean = new float[binaryDims];
        for (int i = 0; i < binaryDims; i++) {
            query[i] = (float) r.nextGaussian();
            vector[i] = (float) r.nextGaussian();
            mean[i] = (float) r.nextGaussian() * 0.1f;
        }
        byte[] record = new byte[CentredCodes.recordBytes(binaryDims)];
        CentredCodes.encode(vector, mean, org.apache.lucene.index.VectorSimilarityFunction.DOT_PRODUCT, new float[binaryDims], record);
        float[] centredQuery = CentredCodes.centredQuery(query, mean, org.apache.lucene.index.VectorSimilarityFunction.DOT_PRODUCT);
        double signed = 0, squares = 0, absolutes = 0, offset = 0;
        for (int i = 0; i < binaryDims; i++) {
            double residual = vector[i] - mean[i];
            assertEquals(query[i] - mean[i], centredQuery[i], 0f);
            signed += residual > 0 ? centredQuery[i] : -centredQuery[i];
            squares += residual * residual;
            absolutes += Math.abs(residual);
            offset += mean[i] * residual;
        }
        BinaryFieldConfig config = floatField(binaryDims, org.apache.lucene.index.VectorSimilarityFunction.DOT_PRODUCT);
        assertEquals(GraphCodes.CENTRED, config.graphCodes());
        float expected = (float) (offset + squares / absolutes * signed);
        assertEquals(expected, new FloatQueryEstimate(centredQuery, config).score(record), 1e-3f * (1 + Math.abs(expected)));
    }

    /** The estimate of a vector against itself ranks it above a vector pointing away (the sign of the estimate is right). */
    public void testCentredEstimateOrdersLikeTheDotProduct() throws Exception {
        int binaryDims = 32;
        float[] query = new float[binaryDims];
        float[] opposite = new float[binaryDims];
        for (int i = 0; i < binaryDims; i++) {
            query[i] = (i % 3 == 0 ? -1f : 1f) * (1 + i % 5);
            opposite[i] = -query[i];
        }
        float[] mean = new float[binaryDims];
        byte[] same = new byte[CentredCodes.recordBytes(binaryDims)];
        byte[] away = new byte[CentredCodes.recordBytes(binaryDims)];
        CentredCodes.encode(query, mean, org.apache.lucene.index.VectorSimilarityFunction.COSINE, new float[binaryDims], same);
        CentredCodes.encode(opposite, mean, org.apache.lucene.index.VectorSimilarityFunction.COSINE, new float[binaryDims], away);
        BinaryFieldConfig config = floatField(binaryDims, org.apache.lucene.index.VectorSimilarityFunction.COSINE);
        FloatQueryEstimate estimate = new FloatQueryEstimate(query, config);
        assertTrue(estimate.score(same) > 0);
        assertTrue(estimate.score(away) < 0);
    }

    /** A float field of {@code binaryDims} dims, all binarized, as format version 1 writes it (centred codes). */
    private static BinaryFieldConfig floatField(int binaryDims, org.apache.lucene.index.VectorSimilarityFunction similarity) {
        return new BinaryFieldConfig(
            binaryDims,
            org.apache.lucene.index.VectorEncoding.FLOAT32,
            binaryDims,
            BitSimilarity.HAMMING,
            RescorePrecision.FLOAT32,
            similarity
        );
    }
}
