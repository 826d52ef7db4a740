package org.opensearch.binaryembeddings.testsupport;

import java.util.List;

/** Vector arithmetic the tests share (one definition each, so two tests never disagree on what a cosine is). */
public final class Vectors {

    private Vectors() {}

    /** Cosine similarity, accumulated in double. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Cosine similarity of two vectors as a JSON response gives them (lists of numbers). */
    public static double cosine(List<?> a, List<?> b) {
        float[] x = new float[a.size()], y = new float[b.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((Number) a.get(i)).floatValue();
            y[i] = ((Number) b.get(i)).floatValue();
        }
        return cosine(x, y);
    }

    /**
     * A new array: {@code v} divided by its length in double, the way the mapper normalizes a cosine field's vector
     * before storing it (so a test can predict the stored values exactly).
     */
    public static float[] unitAsStored(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(norm));
        }
        return out;
    }

    /** A new array: {@code v} scaled to unit length by a float reciprocal ({@code v} is left as it is). */
    public static float[] unit(float[] v) {
        return normalizeInPlace(v.clone());
    }

    /** {@code v} itself, scaled to unit length in place (for generators that fill large arrays). */
    public static float[] normalizeInPlace(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }
}
