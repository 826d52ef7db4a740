package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code linear}: {@code w_k·norm(keyword) + w_v·norm(vector)} with the chosen {@link ScoreNormalization}; a candidate
 * missing from a list scores 0 there.
 */
final class LinearFusion implements FusionMethod {

    static final LinearFusion INSTANCE = new LinearFusion();

    private LinearFusion() {}

    @Override
    public String name() {
        return "linear";
    }

    @Override
    public Set<String> parameters() {
        return Set.of("weights", "normalization");
    }

    @Override
    public CandidateScorer prepare(Fusion fusion, List<Candidate> pool) {
        ScoreNormalization.Normalizer normalizer = fusion.normalization().prepare(pool);
        String normalization = fusion.normalization().name();
        double kwWeight = fusion.keywordWeight(), vWeight = fusion.vectorWeight();
        return (c, vectorRank) -> {
            double kw = normalizer.keyword(c), v = normalizer.vector(c);
            return new Parts(kwWeight * kw, vWeight * v, kwWeight * kw + vWeight * v, String.format(
                Locale.ROOT, "linear (%s): %s × %.4f (keyword) + %s × %.4f (vector)", normalization, kwWeight, kw, vWeight, v));
        };
    }
}
