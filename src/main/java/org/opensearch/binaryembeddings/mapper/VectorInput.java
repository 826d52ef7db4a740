package org.opensearch.binaryembeddings.mapper;

import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec.RescoreSimilarity;

import java.util.Arrays;

/**
 * Turns an input vector into what the field indexes, the same way for documents and for query vectors, so both sides
 * of every comparison went through identical truncation and normalization.
 */
public final class VectorInput {

    private VectorInput() {}

    /**
     * Checks that {@code values} are finite, keeps the leading {@code truncate_to} and renormalizes them to unit length
     * when the rescoring similarity is cosine (a truncated unit vector is no longer unit length).
     *
     * @param what names the field or parameter in error messages
     */
    public static float[] prepare(float[] values, BinaryEmbeddingSpec spec, String what) {
        if (values.length != spec.dims()) {
            throw new IllegalArgumentException(what + " expects " + spec.dims() + " numbers, got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (Float.isFinite(values[i]) == false) {
                throw new IllegalArgumentException(what + " must hold finite numbers, got [" + values[i] + "] at position " + i);
            }
        }
        float[] v = values.length == spec.truncateTo() ? values.clone() : Arrays.copyOf(values, spec.truncateTo());
        if (spec.rescoreSimilarity() == RescoreSimilarity.COSINE) {
            double norm = 0;
            for (float x : v) {
                norm += (double) x * x;
            }
            if (norm == 0) {
                throw new IllegalArgumentException(
                    what + " is a zero vector over its first " + spec.truncateTo() + " dims, which has no cosine similarity"
                );
            }
            // divide in double: for tiny values (|x| ~ 1e-40) the reciprocal of the norm overflows a float to
            // Infinity, which turned the vector into NaN and the search silently empty
            double length = Math.sqrt(norm);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / length);
            }
        }
        return v;
    }
}
