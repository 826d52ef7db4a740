package org.opensearch.binaryembeddings.mapper;

import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec.RescoreSimilarity;

import java.util.Arrays;

/**
 * Turns an input vector into what the field indexes, the same way for documents and for query vectors, so both sides
 * of every comparison went through identical truncation and normalization.
 */
public final class VectorInput {

    /** Squared norms this close to 1 count as unit length: float rounding of a normalized vector stays far below. */
    static final double UNIT_TOLERANCE = 1e-6;

    private VectorInput() {}

    /**
     * Checks that {@code values} are finite, keeps the leading {@code truncate_to} and renormalizes them to unit length
     * when the rescoring similarity is cosine (a truncated unit vector is no longer unit length). Takes {@code dims}
     * values, or {@code truncate_to} values (an already truncated vector, as a derived source gives it back).
     *
     * @param what names the field or parameter in error messages
     */
    public static float[] prepare(float[] values, BinaryEmbeddingSpec spec, String what) {
        if (values.length != spec.dims() && values.length != spec.truncateTo()) {
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
            // a vector that is already unit length (up to float rounding) is kept as it is, so that re-indexing the
            // values a derived source gives back stores the same values; otherwise divide in double: for tiny values
            // (|x| ~ 1e-40) the reciprocal of the norm overflows a float to Infinity, which turned the vector into NaN
            // and the search silently empty
            if (Math.abs(norm - 1) > UNIT_TOLERANCE) {
                double length = Math.sqrt(norm);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (v[i] / length);
                }
            }
        }
        return v;
    }
}
