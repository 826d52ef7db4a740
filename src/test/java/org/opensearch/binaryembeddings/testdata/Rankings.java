package org.opensearch.binaryembeddings.testdata;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.Assert.assertEquals;

/** Compares two rankings of the same documents computed twice (another copy, another process, before and after). */
public final class Rankings {

    private Rankings() {}

    /** A hit: id and score. */
    public interface Scored {
        String id();

        double score();
    }

    /** A hit as a search returned it. */
    public record Hit(String id, double score) implements Scored {}

    /**
     * How far two computations of the same score may differ. The rescoring similarity is a SIMD float sum (Lucene's
     * Panama vector code) whose last bit changes once the JIT compiles it: the same query on the same node gives a score
     * one ulp (about 6e-8) apart before and after warm-up, and two nodes differ the same way. binary_hybrid's default
     * fusion divides vector scores by their spread over the candidates (often about 0.03), which magnifies that ulp
     * about thirtyfold (2.6e-6 seen on a fused score of 2.25). 1e-5 of the score leaves room for that; the stored
     * vectors themselves are compared bit for bit where that matters (CrashRecoveryIT).
     */
    public static double scoreTolerance(double score) {
        return 1e-5 * Math.max(1, Math.abs(score));
    }

    /**
     * Same scores rank by rank (to {@link #scoreTolerance}) and the same ids: documents with equal or near-equal scores
     * (duplicate passages, rounding) may come in another order, and the page may cut such a tie at its last rank
     * differently, so ids are compared as sets per run of near-equal scores, the last run by size only.
     */
    public static void assertSameRanking(String what, List<? extends Scored> expected, List<? extends Scored> actual) {
        String both = "\nexpected " + expected + "\nactual   " + actual;
        assertEquals(what + ": number of hits" + both, expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i).score();
            assertEquals(what + ": score at rank " + (i + 1) + both, e, actual.get(i).score(), scoreTolerance(e));
        }
        int i = 0;
        while (i < expected.size()) {
            int j = i + 1;
            while (j < expected.size() && expected.get(j - 1).score() - expected.get(j).score() <= 2 * scoreTolerance(expected.get(j).score())) {
                j++;
            }
            if (j < expected.size()) {
                Set<String> e = new HashSet<>(), a = new HashSet<>();
                for (int r = i; r < j; r++) {
                    e.add(expected.get(r).id());
                    a.add(actual.get(r).id());
                }
                assertEquals(what + ": ids at ranks " + (i + 1) + ".." + j + both, e, a);
            }
            i = j;
        }
    }
}
