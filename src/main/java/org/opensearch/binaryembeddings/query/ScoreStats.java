package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;
import java.util.function.Function;

/**
 * One list's scores over a fusion pool: the maximum (at least 0, both scores' lower bound), the minimum, mean and
 * standard deviation. Candidates without a score in the list are left out, unless {@code missingAs} gives one.
 */
record ScoreStats(double max, double min, double mean, double sd) {

    static ScoreStats keyword(List<Candidate> pool) {
        return of(pool, Candidate::keywordScore);
    }

    /** Keyword scores with a missing one counted as 0 (the z-score of both lists uses every candidate). */
    static ScoreStats keywordMissingAsZero(List<Candidate> pool) {
        return of(pool, c -> c.keywordScore() == null ? Float.valueOf(0f) : c.keywordScore());
    }

    static ScoreStats vector(List<Candidate> pool) {
        return of(pool, Candidate::vectorScore);
    }

    private static ScoreStats of(List<Candidate> pool, Function<Candidate, Float> score) {
        double max = 0, min = Double.MAX_VALUE, sum = 0, sq = 0;
        int n = 0;
        for (Candidate c : pool) {
            Float s = score.apply(c);
            if (s != null) {
                max = Math.max(max, s);
                min = Math.min(min, s);
                sum += s;
                sq += (double) s * s;
                n++;
            }
        }
        if (n == 0) {
            return new ScoreStats(max, min, 0, 0);
        }
        double mean = sum / n;
        return new ScoreStats(max, min, mean, Math.sqrt(Math.max(0, sq / n - mean * mean)));
    }

    /** The z-score of {@code s}; 0 when the list has no spread. */
    double z(float s) {
        return sd > 0 ? (s - mean) / sd : 0;
    }
}
