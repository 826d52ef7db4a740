package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code rrf}: reciprocal rank fusion, {@code Σ w / (rank_constant + rank)} over the lists a candidate is ranked in. */
final class RrfFusion implements FusionMethod {

    static final RrfFusion INSTANCE = new RrfFusion();

    private RrfFusion() {}

    @Override
    public String name() {
        return "rrf";
    }

    @Override
    public Set<String> parameters() {
        return Set.of("weights", "rank_constant");
    }

    @Override
    public CandidateScorer prepare(Fusion fusion, List<Candidate> pool) {
        double kwWeight = fusion.keywordWeight(), vWeight = fusion.vectorWeight();
        int k = fusion.rankConstant();
        return (c, vRank) -> {
            double kw = c.keywordRank() > 0 ? kwWeight / (k + c.keywordRank()) : 0;
            double v = vRank > 0 ? vWeight / (k + vRank) : 0;
            return new Parts(kw, v, kw + v, String.format(Locale.ROOT, "rrf: %s/(%d+%s) + %s/(%d+%s)", kwWeight, k,
                c.keywordRank() > 0 ? c.keywordRank() : "∞", vWeight, k, vRank > 0 ? vRank : "∞"));
        };
    }
}
