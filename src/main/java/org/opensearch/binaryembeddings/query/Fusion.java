package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.Explanation;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How {@code binary_hybrid} combines its keyword and vector candidates. Fusion runs once, on the coordinating node,
 * over the global candidate lists, so its result does not depend on how the index is split into shards.
 *
 * <ul>
 * <li>{@code linear}: {@code w_k·norm(keyword) + w_v·norm(vector)}; a candidate missing from the keyword list scores
 * 0 there. Normalizations: {@code vector_z} (default) z-normalizes the vector scores by their mean and spread over
 * the vector search's own candidates and divides keyword scores by the query's best keyword score; {@code bounded} divides each score by the best of its list,
 * using the theoretical lower bound 0 of both scores (BM25 ≥ 0; the vector score maps the similarity into [0, 1]) —
 * the "TM" normalization of Bruch et al. (TOIS 2023); {@code min_max} maps each list's observed range onto [0, 1];
 * {@code z_score} z-normalizes both lists.</li>
 * <li>{@code rrf}: {@code Σ w / (rank_constant + rank)} over the lists a candidate is ranked in.</li>
 * <li>{@code rerank}: the keyword candidates only, ordered by their vector score.</li>
 * </ul>
 */
public record Fusion(Method method, double keywordWeight, double vectorWeight, Normalization normalization, int rankConstant)
    implements
        Writeable,
        ToXContentFragment {

    public enum Method {
        LINEAR,
        RRF,
        RERANK
    }

    public enum Normalization {
        BOUNDED,
        MIN_MAX,
        Z_SCORE,
        VECTOR_Z
    }

    public static final int DEFAULT_RANK_CONSTANT = 60;
    /** Fused scores are shifted up, when needed, so the lowest candidate scores this. */
    public static final float MIN_SCORE = 0.001f;
    /**
     * The default: linear, {@code vector_z}, weights 1 and 1. Ranking by it equals ranking by
     * {@code vector + σ · keyword / max(keyword)}, with σ the standard deviation of the query's vector scores over the
     * vector search's top {@code window}: keyword evidence can move a document by at most one unit of the vector scores' own spread. Where
     * the vector scores separate the candidates clearly (a confident semantic match), keyword matches only break
     * near-ties; where the vector scores are flat (the model cannot tell the candidates apart), the keyword score
     * decides. Neither input can drown the other, whatever their raw scales, without a tuned weight.
     */
    public static final Fusion DEFAULT = new Fusion(Method.LINEAR, 1, 1, Normalization.VECTOR_Z, DEFAULT_RANK_CONSTANT);

    public Fusion {
        if (keywordWeight < 0 || vectorWeight < 0 || Double.isNaN(keywordWeight) || Double.isNaN(vectorWeight)) {
            throw new IllegalArgumentException("[fusion.weights] must be non-negative, got keyword=" + keywordWeight + ", vector=" + vectorWeight);
        }
        if (keywordWeight + vectorWeight == 0 && method != Method.RERANK) {
            throw new IllegalArgumentException("[fusion.weights] must not both be 0");
        }
        if (rankConstant < 1) {
            throw new IllegalArgumentException("[fusion.rank_constant] must be at least 1, got [" + rankConstant + "]");
        }
    }

    /** A candidate: its key (index and id), keyword score and rank (null / 0 when not in that list), vector score. */
    public record Candidate(String index, String id, Float keywordScore, int keywordRank, Float vectorScore, boolean vectorListed) {
        /** A candidate that is in the vector list exactly when it has a vector score. */
        public Candidate(String index, String id, Float keywordScore, int keywordRank, Float vectorScore) {
            this(index, id, keywordScore, keywordRank, vectorScore, vectorScore != null);
        }
    }

    /**
     * A fused hit with the parts its score came from: {@code keywordPart + vectorPart} is the fused score before the
     * shift that keeps every score positive and strictly ordered.
     */
    public record Fused(String index, String id, float score, Float keywordScore, int keywordRank, Float vectorScore, int vectorRank, String how,
        float keywordPart, float vectorPart) {}

    /**
     * Fuses and returns the hits best first. Equal fused scores are ordered by index then id and then made strictly
     * decreasing, so the final merge of shard results cannot reorder them by shard.
     */
    public List<Fused> fuse(List<Candidate> candidates) {
        List<Candidate> pool = method == Method.RERANK
            ? candidates.stream().filter(c -> c.keywordScore() != null && c.vectorScore() != null).toList()
            : candidates;
        Map<Candidate, Integer> vectorRanks = vectorRanks(pool);
        double kwMax = 0, kwMin = Double.MAX_VALUE, vMax = 0, vMin = Double.MAX_VALUE;
        for (Candidate c : pool) {
            if (c.keywordScore() != null) {
                kwMax = Math.max(kwMax, c.keywordScore());
                kwMin = Math.min(kwMin, c.keywordScore());
            }
            if (c.vectorScore() != null) {
                vMax = Math.max(vMax, c.vectorScore());
                vMin = Math.min(vMin, c.vectorScore());
            }
        }
        double[] kwStats = stats(pool, true), vStats = stats(pool, false);
        // vector_z measures the vector scores' spread among the vector search's own candidates: keyword-only
        // candidates, often semantically far, would widen it and with it the keyword's reach
        double[] vListStats = stats(pool.stream().filter(Candidate::vectorListed).toList(), false);
        List<Fused> out = new ArrayList<>(pool.size());
        for (Candidate c : pool) {
            int vRank = vectorRanks.getOrDefault(c, 0);
            double score, kwPart, vPart;
            String how;
            switch (method) {
                case RERANK -> {
                    score = c.vectorScore();
                    kwPart = 0;
                    vPart = score;
                    how = "rerank: vector score of a keyword candidate";
                }
                case RRF -> {
                    double kw = c.keywordRank() > 0 ? keywordWeight / (rankConstant + c.keywordRank()) : 0;
                    double v = vRank > 0 ? vectorWeight / (rankConstant + vRank) : 0;
                    score = kw + v;
                    kwPart = kw;
                    vPart = v;
                    how = String.format(Locale.ROOT, "rrf: %s/(%d+%s) + %s/(%d+%s)", keywordWeight, rankConstant, c.keywordRank() > 0 ? c.keywordRank() : "∞", vectorWeight, rankConstant, vRank > 0 ? vRank : "∞");
                }
                default -> {
                    double kw, v;
                    if (normalization == Normalization.Z_SCORE) {
                        kw = z(c.keywordScore() == null ? 0f : c.keywordScore(), kwStats);
                        v = c.vectorScore() == null ? 0 : z(c.vectorScore(), vStats);
                    } else if (normalization == Normalization.VECTOR_Z) {
                        kw = c.keywordScore() == null || kwMax == 0 ? 0 : c.keywordScore() / kwMax;
                        v = c.vectorScore() == null ? 0 : z(c.vectorScore(), vListStats);
                    } else {
                        kw = normalize(c.keywordScore(), kwMin, kwMax);
                        v = normalize(c.vectorScore(), vMin, vMax);
                    }
                    score = keywordWeight * kw + vectorWeight * v;
                    kwPart = keywordWeight * kw;
                    vPart = vectorWeight * v;
                    how = String.format(Locale.ROOT, "linear (%s): %s × %.4f (keyword) + %s × %.4f (vector)", normalization.name().toLowerCase(Locale.ROOT), keywordWeight, kw, vectorWeight, v);
                }
            }
            out.add(new Fused(c.index(), c.id(), (float) score, c.keywordScore(), c.keywordRank(), c.vectorScore(), vRank, how, (float) kwPart, (float) vPart));
        }
        out.sort(Comparator.comparingDouble((Fused f) -> -f.score()).thenComparing(Fused::index).thenComparing(Fused::id));
        // Lucene scores must be positive: shift (z-normalized scores can be negative) so the lowest is MIN_SCORE
        float lowest = out.isEmpty() ? MIN_SCORE : out.get(out.size() - 1).score();
        float shift = lowest < MIN_SCORE ? MIN_SCORE - lowest : 0f;
        List<Fused> strict = new ArrayList<>(out.size());
        float previous = Float.POSITIVE_INFINITY;
        for (Fused f : out) {
            float s = Math.min(f.score() + shift, Math.nextDown(previous));
            strict.add(new Fused(f.index(), f.id(), s, f.keywordScore(), f.keywordRank(), f.vectorScore(), f.vectorRank(), f.how(), f.keywordPart(), f.vectorPart()));
            previous = s;
        }
        return strict;
    }

    private static double z(float s, double[] stats) {
        return stats[1] > 0 ? (s - stats[0]) / stats[1] : 0;
    }

    /** Mean and standard deviation of one list's scores over the pool (missing keyword scores count as 0). */
    private static double[] stats(List<Candidate> pool, boolean keyword) {
        double sum = 0, sq = 0;
        int n = 0;
        for (Candidate c : pool) {
            Float s = keyword ? (c.keywordScore() == null ? Float.valueOf(0f) : c.keywordScore()) : c.vectorScore();
            if (s != null) {
                sum += s;
                sq += (double) s * s;
                n++;
            }
        }
        if (n == 0) {
            return new double[] { 0, 0 };
        }
        double mean = sum / n;
        return new double[] { mean, Math.sqrt(Math.max(0, sq / n - mean * mean)) };
    }

    private double normalize(Float s, double min, double max) {
        if (s == null) {
            return 0;
        }
        if (normalization == Normalization.BOUNDED) {
            return max > 0 ? s / max : 0;
        }
        return max > min ? (s - min) / (max - min) : 1;
    }

    private static Map<Candidate, Integer> vectorRanks(List<Candidate> pool) {
        List<Candidate> ranked = new ArrayList<>(pool.stream().filter(c -> c.vectorScore() != null).toList());
        ranked.sort(Comparator.comparingDouble((Candidate c) -> -c.vectorScore()).thenComparing(Candidate::index).thenComparing(Candidate::id));
        Map<Candidate, Integer> ranks = new java.util.HashMap<>();
        for (int i = 0; i < ranked.size(); i++) {
            ranks.put(ranked.get(i), i + 1);
        }
        return ranks;
    }

    /** Parses the {@code fusion} object. */
    @SuppressWarnings("unchecked")
    public static Fusion parse(Map<String, Object> map) {
        for (String key : map.keySet()) {
            if (Set.of("method", "weights", "normalization", "rank_constant").contains(key) == false) {
                throw new IllegalArgumentException("unknown parameter [fusion." + key + "]; expected method, weights, normalization, rank_constant");
            }
        }
        Method method = map.containsKey("method") ? parseEnum(Method.class, "fusion.method", map.get("method")) : DEFAULT.method;
        if (method != Method.RRF && map.containsKey("rank_constant")) {
            throw new IllegalArgumentException("[fusion.rank_constant] only applies to method [rrf]");
        }
        if (method != Method.LINEAR && map.containsKey("normalization")) {
            throw new IllegalArgumentException("[fusion.normalization] only applies to method [linear]");
        }
        if (method == Method.RERANK && map.containsKey("weights")) {
            throw new IllegalArgumentException("[fusion.weights] does not apply to method [rerank]");
        }
        double kw = method == Method.LINEAR && map.containsKey("weights") == false ? DEFAULT.keywordWeight : 1;
        double v = method == Method.LINEAR && map.containsKey("weights") == false ? DEFAULT.vectorWeight : 1;
        if (map.containsKey("weights")) {
            if (map.get("weights") instanceof Map<?, ?> == false) {
                throw new IllegalArgumentException("[fusion.weights] must be an object like {\"keyword\": 0.3, \"vector\": 0.7}");
            }
            Map<String, Object> w = (Map<String, Object>) map.get("weights");
            for (String key : w.keySet()) {
                if (key.equals("keyword") == false && key.equals("vector") == false) {
                    throw new IllegalArgumentException("unknown parameter [fusion.weights." + key + "]; expected keyword, vector");
                }
            }
            kw = w.containsKey("keyword") ? number("fusion.weights.keyword", w.get("keyword")) : kw;
            v = w.containsKey("vector") ? number("fusion.weights.vector", w.get("vector")) : v;
        }
        Normalization n = map.containsKey("normalization")
            ? parseEnum(Normalization.class, "fusion.normalization", map.get("normalization"))
            : DEFAULT.normalization;
        int c = map.containsKey("rank_constant") ? integer("fusion.rank_constant", map.get("rank_constant")) : DEFAULT_RANK_CONSTANT;
        return new Fusion(method, kw, v, n, c);
    }

    private static double number(String name, Object o) {
        if (o instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("[" + name + "] must be a number, got [" + o + "]");
    }

    /** An integer; a cast would silently turn 2.5 into 2 and 1e20 into Integer.MAX_VALUE. */
    private static int integer(String name, Object o) {
        double d = number(name, o);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("[" + name + "] must be an integer, got [" + o + "]");
        }
        return (int) d;
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String name, Object value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(String.valueOf(value))) {
                return e;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            allowed.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("[" + name + "] must be one of " + allowed + ", got [" + value + "]");
    }

    public Fusion(StreamInput in) throws IOException {
        this(in.readEnum(Method.class), in.readDouble(), in.readDouble(), in.readEnum(Normalization.class), in.readVInt());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeEnum(method);
        out.writeDouble(keywordWeight);
        out.writeDouble(vectorWeight);
        out.writeEnum(normalization);
        out.writeVInt(rankConstant);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject("fusion").field("method", method.name().toLowerCase(Locale.ROOT));
        if (method != Method.RERANK) {
            builder.startObject("weights").field("keyword", keywordWeight).field("vector", vectorWeight).endObject();
        }
        if (method == Method.LINEAR) {
            builder.field("normalization", normalization.name().toLowerCase(Locale.ROOT));
        }
        if (method == Method.RRF) {
            builder.field("rank_constant", rankConstant);
        }
        return builder.endObject();
    }

    static Explanation explain(Fused f) {
        // the details add up to the score: each list's contribution, then the shift fuse() applied (z-normalized
        // scores can be negative; Lucene scores cannot) — the raw scores are in the descriptions
        List<Explanation> parts = new ArrayList<>();
        parts.add(Explanation.match(f.keywordPart(), f.keywordScore() == null
            ? "keyword part: not in the keyword window"
            : "keyword part: keyword score " + f.keywordScore() + ", rank " + f.keywordRank()));
        parts.add(Explanation.match(f.vectorPart(), f.vectorScore() == null
            ? "vector part: no vector for this document"
            : "vector part: vector score (full precision) " + f.vectorScore() + ", rank " + f.vectorRank()));
        parts.add(Explanation.match(f.score() - f.keywordPart() - f.vectorPart(),
            "shift: the same for every hit of the query, so the lowest fused score is " + MIN_SCORE + " (and ties are broken by index and id)"));
        return Explanation.match(f.score(), "binary_hybrid " + f.how(), parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fusion f && method == f.method && keywordWeight == f.keywordWeight && vectorWeight == f.vectorWeight
            && normalization == f.normalization && rankConstant == f.rankConstant;
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, keywordWeight, vectorWeight, normalization, rankConstant);
    }
}
