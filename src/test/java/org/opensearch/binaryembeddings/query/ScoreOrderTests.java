package org.opensearch.binaryembeddings.query;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

/** {@link ScoreOrder} against a plain comparator sort: score descending, ties by doc ascending. */
public class ScoreOrderTests extends LuceneTestCase {

    public void testBestFirstEqualsComparatorOrder() {
        Random random = random();
        for (int iter = 0; iter < 200; iter++) {
            int n = random.nextInt(300);
            int[] docs = random.ints(0, Integer.MAX_VALUE).distinct().limit(n).toArray();
            float[] scores = new float[n];
            // few distinct values, both signs and both zeros, so that ties and the sign handling are exercised
            float[] pool = { -3.5f, -1f, -0f, 0f, 0.25f, 1f, 7f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY };
            for (int i = 0; i < n; i++) {
                scores[i] = random.nextBoolean() ? pool[random.nextInt(pool.length)] : (float) random.nextGaussian();
            }
            int[] expected = IntStream.range(0, n)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> docs[i]))
                .mapToInt(Integer::intValue)
                .toArray();
            assertArrayEquals(expected, ScoreOrder.bestFirst(docs, scores));
        }
    }
}
