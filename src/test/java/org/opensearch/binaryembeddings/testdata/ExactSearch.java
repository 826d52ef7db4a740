package org.opensearch.binaryembeddings.testdata;

import java.util.Comparator;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/** Brute-force float cosine: the ground truth the quality and recall tests compare against. */
public final class ExactSearch {

    private ExactSearch() {}

    public static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Ids of the {@code k} vectors most similar to {@code q} among those {@code accept} lets through; ties by id. */
    public static List<String> top(float[] q, List<float[]> vectors, List<String> ids, int k, IntPredicate accept) {
        return IntStream.range(0, vectors.size())
            .filter(accept)
            .boxed()
            .sorted(Comparator.comparingDouble((Integer i) -> -cosine(q, vectors.get(i))).thenComparing(ids::get))
            .limit(k)
            .map(ids::get)
            .toList();
    }
}
