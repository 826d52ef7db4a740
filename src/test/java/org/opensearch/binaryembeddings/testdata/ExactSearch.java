package org.opensearch.binaryembeddings.testdata;

import org.opensearch.binaryembeddings.testsupport.Vectors;

import java.util.Comparator;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/** Brute-force float cosine: the ground truth the quality and recall tests compare against. */
public final class ExactSearch {

    private ExactSearch() {}

    /** Ids of the {@code k} vectors most similar to {@code q} among those {@code accept} lets through; ties by id. */
    public static List<String> top(float[] q, List<float[]> vectors, List<String> ids, int k, IntPredicate accept) {
        return IntStream.range(0, vectors.size())
            .filter(accept)
            .boxed()
            .sorted(Comparator.comparingDouble((Integer i) -> -Vectors.cosine(q, vectors.get(i))).thenComparing(ids::get))
            .limit(k)
            .map(ids::get)
            .toList();
    }
}
