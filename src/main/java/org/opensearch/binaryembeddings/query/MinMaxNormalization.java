package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;

/** {@code min_max}: each list's observed range mapped onto [0, 1] (a list of equal scores maps to 1). */
final class MinMaxNormalization implements ScoreNormalization {

    static final MinMaxNormalization INSTANCE = new MinMaxNormalization();

    private MinMaxNormalization() {}

    @Override
    public String name() {
        return "min_max";
    }

    @Override
    public Normalizer prepare(List<Candidate> pool) {
        ScoreStats kw = ScoreStats.keyword(pool), v = ScoreStats.vector(pool);
        return new Normalizer() {
            @Override
            public double keyword(Candidate c) {
                return scale(c.keywordScore(), kw);
            }

            @Override
            public double vector(Candidate c) {
                return scale(c.vectorScore(), v);
            }
        };
    }

    private static double scale(Float s, ScoreStats stats) {
        return s == null ? 0 : stats.max() > stats.min() ? (s - stats.min()) / (stats.max() - stats.min()) : 1;
    }
}
