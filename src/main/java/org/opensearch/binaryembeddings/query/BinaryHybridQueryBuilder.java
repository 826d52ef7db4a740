package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.opensearch.action.IndicesRequest;
import org.opensearch.action.StepListener;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.SearchType;
import org.opensearch.common.document.DocumentField;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.ParseField;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryCoordinatorContext;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.search.SearchHit;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.transport.client.Client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code binary_hybrid}: BM25 (any keyword query) and {@code binary_knn} candidates fused into one ranking.
 *
 * <p>On the coordinating node the query runs its two candidate searches at once over the whole target (the keyword one
 * with {@code dfs_query_then_fetch}, so BM25 statistics are global, and with each hit's full-precision vector score
 * computed on its shard), fuses the lists and rewrites itself into a {@link FusedHitsQueryBuilder}. The fused ranking is
 * therefore computed once over global lists: the same for any number of shards, and an ordinary query from then on
 * (inside {@code bool}, with aggregations, sorting, pagination). A vector field inside {@code nested} objects (the chunks
 * of long documents) is searched per parent ({@link NestedVectorPath}). On one shard the two candidate searches are one:
 * the keyword search's shard runs the vector search too and returns both lists.
 */
public final class BinaryHybridQueryBuilder extends AbstractQueryBuilder<BinaryHybridQueryBuilder> {

    public static final String NAME = "binary_hybrid";
    public static final int DEFAULT_WINDOW = 100;
    /** OpenSearch's default {@code index.max_result_window}: the keyword list asks for up to twice the window below it. */
    private static final int KEYWORD_FETCH_SOFT_CAP = 10_000;

    private final QueryServices services;
    private final QueryBuilder keyword;
    private final BinaryKnnQueryBuilder vector;
    private final Fusion fusion;
    private final int window;
    private final transient Supplier<List<Fusion.Fused>> pending;

    BinaryHybridQueryBuilder(QueryServices services, QueryBuilder keyword, BinaryKnnQueryBuilder vector, Fusion fusion, int window, Supplier<List<Fusion.Fused>> pending) {
        this.services = services;
        this.keyword = keyword;
        this.vector = vector;
        this.fusion = fusion;
        this.window = window;
        this.pending = pending;
    }

    public BinaryHybridQueryBuilder(StreamInput in, QueryServices services) throws IOException {
        super(in);
        this.services = services;
        this.keyword = in.readNamedWriteable(QueryBuilder.class);
        this.vector = new BinaryKnnQueryBuilder(in, services);
        this.fusion = new Fusion(in);
        this.window = in.readVInt();
        this.pending = null;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeNamedWriteable(keyword);
        vector.writeTo(out);
        fusion.writeTo(out);
        out.writeVInt(window);
    }

    private BinaryHybridQueryBuilder copy(QueryBuilder kw, BinaryKnnQueryBuilder v, Supplier<List<Fusion.Fused>> p) {
        BinaryHybridQueryBuilder b = new BinaryHybridQueryBuilder(services, kw, v, fusion, window, p);
        b.boost(boost).queryName(queryName);
        return b;
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        if (pending != null) {
            List<Fusion.Fused> fused = pending.get();
            if (fused == null) {
                return this;
            }
            FusedHitsQueryBuilder result = new FusedHitsQueryBuilder(fused, keyword);
            result.boost(boost).queryName(queryName);
            return result;
        }
        QueryBuilder kw = keyword.rewrite(context);
        QueryBuilder v = vector.rewrite(context);
        if (kw != keyword || v != vector) {
            return copy(kw, (BinaryKnnQueryBuilder) v, null);
        }
        if (vector.queryVector() == null && vector.queryText() != null) {
            return this; // the vector's text is being encoded
        }
        Target target = target(context);
        if (target == null) {
            return this;
        }
        SetOnce<List<Fusion.Fused>> result = new SetOnce<>();
        context.registerAsyncAction((client, listener) -> collect(client, target, ActionListener.wrap(fused -> {
            result.set(fused);
            listener.onResponse(null);
        }, listener::onFailure)));
        return copy(keyword, vector, result::get);
    }

    /** Where the candidate searches run: the request's indices on the coordinator, this index on a shard. */
    private record Target(String[] indices, SearchRequest template) {}

    private static Target target(QueryRewriteContext context) {
        QueryCoordinatorContext coordinator = context.convertToCoordinatorContext();
        if (coordinator != null) {
            IndicesRequest request = coordinator.getSearchRequest();
            SearchRequest template = new SearchRequest(request.indices()).indicesOptions(request.indicesOptions());
            if (request instanceof SearchRequest s) {
                template.routing(s.routing()).preference(s.preference());
            }
            return new Target(request.indices(), template);
        }
        QueryShardContext shard = context.convertToShardContext();
        if (shard != null) {
            String index = shard.index().getName();
            return new Target(new String[] { index }, new SearchRequest(index));
        }
        return null;
    }

    private SearchRequest request(Target target, QueryBuilder query, int size, boolean dfs) {
        SearchRequest r = new SearchRequest(target.indices())
            .indicesOptions(target.template().indicesOptions())
            .routing(target.template().routing())
            .preference(target.template().preference())
            .source(new SearchSourceBuilder().query(query).size(size).fetchSource(false).trackTotalHits(false));
        if (dfs) {
            r.searchType(SearchType.DFS_QUERY_THEN_FETCH);
        }
        return r;
    }

    /** The vector list is as long as the keyword list; [vector.k] only has to fit in it. */
    private int vectorListSize() {
        return window;
    }

    /**
     * Runs the two candidate searches at once and fuses them: one round (after the vector field's nested path is read
     * from this node's cluster state). The keyword search also brings the vector
     * score of each of its hits, computed on the shard that holds it ({@link VectorScoresRescorerBuilder}), so the
     * keyword candidates the vector list missed need no search of their own.
     */
    private void collect(Client client, Target target, ActionListener<List<Fusion.Fused>> listener) {
        NestedVectorPath.resolve(client, target.indices(), target.template().indicesOptions(), vector.fieldName(), ActionListener.wrap(
            path -> collect(client, target, path, listener), listener::onFailure));
    }

    /**
     * The two searches with the vector field's {@code nested} path ({@link NestedVectorPath}; null: a top-level field):
     * on a nested field the vector search ranks parents by their best chunk, and the keyword hits (parents) get their
     * best chunk's score on their shard.
     */
    private void collect(Client client, Target target, String nestedPath, ActionListener<List<Fusion.Fused>> listener) {
        // up to twice the window, so the deterministic cut below (score, then index and id) decides ties at the
        // boundary instead of whichever shard answered; each shard returns (and fetches) only its top window and the
        // hits tied with the last of them (VectorScoresRescorerBuilder's cut): no other hit can make the window
        int keywordSize = Math.max(window, Math.min(KEYWORD_FETCH_SOFT_CAP, 2 * window));
        boolean vectorList = fusion.method().needsVectorList();
        int n = vectorListSize();
        if (vectorList && nestedPath == null && keywordSize + n <= KEYWORD_FETCH_SOFT_CAP && services != null
            && services.singleShard(target.indices(), target.template().indicesOptions())) {
            oneSearch(client, target, keywordSize, listener);
            return;
        }
        StepListener<SearchResponse> keywordStep = new StepListener<>();
        StepListener<SearchResponse> vectorStep = new StepListener<>();
        SearchRequest keywordSearch = request(target, keyword, keywordSize, true);
        keywordSearch.source().addRescorer(new VectorScoresRescorerBuilder(vector, window).windowSize(keywordSize));
        client.search(keywordSearch, keywordStep);
        if (vectorList) {
            client.search(vectorSearch(target, nestedPath), vectorStep);
        } else {
            vectorStep.onResponse(null);
        }
        keywordStep.whenComplete(
            kw -> vectorStep.whenComplete(v -> listener.onResponse(fuse(List.of(kw.getHits().getHits()), vectorHitsOf(v))), listener::onFailure),
            listener::onFailure
        );
    }

    /**
     * A search of one shard: the keyword search brings the vector list too (the shard runs the vector search in its
     * query phase and returns those hits after the keyword hits), so one search instead of two and each document's
     * {@code _id} loaded once. Should the shard not bring it (a node that does not know how), the vector search runs
     * after it.
     */
    private void oneSearch(Client client, Target target, int keywordSize, ActionListener<List<Fusion.Fused>> listener) {
        int n = vectorListSize();
        SearchRequest both = request(target, keyword, keywordSize + n, true);
        both.source().addRescorer(new VectorScoresRescorerBuilder(vector, window, n).windowSize(keywordSize));
        client.search(both, ActionListener.wrap(r -> {
            List<SearchHit> keywordHits = new ArrayList<>();
            for (SearchHit h : r.getHits().getHits()) {
                if (h.getScore() != VectorScoresRescorer.VECTOR_ONLY_SCORE) {
                    keywordHits.add(h);
                }
            }
            List<VectorHit> vectorHits = vectorListIn(r);
            if (vectorHits != null) {
                listener.onResponse(fuse(keywordHits, vectorHits));
            } else {
                client.search(vectorSearch(target, null), ActionListener.wrap(v -> listener.onResponse(fuse(keywordHits, vectorHitsOf(v))), listener::onFailure));
            }
        }, listener::onFailure));
    }

    private SearchRequest vectorSearch(Target target, String nestedPath) {
        int n = vectorListSize();
        BinaryKnnQueryBuilder knn = vector.withKAndFilter(n, Math.max(vector.resolvedNumCandidates(), n), vectorFilter());
        return request(target, NestedVectorPath.around(nestedPath, knn), n, false);
    }

    private QueryBuilder vectorFilter() {
        return vector.filterQuery();
    }

    private record Key(String index, String id) {}

    /** A hit of the vector list. */
    private record VectorHit(String index, String id, float score) {}

    private static List<VectorHit> vectorHitsOf(SearchResponse v) {
        if (v == null) {
            return null;
        }
        List<VectorHit> out = new ArrayList<>();
        for (SearchHit h : v.getHits().getHits()) {
            out.add(new VectorHit(h.getIndex(), h.getId(), h.getScore()));
        }
        return out;
    }

    /** The vector list a one-shard keyword search brought, in rank order; null when it brought none. */
    private static List<VectorHit> vectorListIn(SearchResponse r) {
        SearchHit[] hits = r.getHits().getHits();
        if (hits.length == 0) {
            return null; // no keyword hit: the shard had nothing to rescore, so it did not search the vectors either
        }
        List<SearchHit> ranked = new ArrayList<>();
        for (SearchHit h : hits) {
            DocumentField rank = h.field(VectorScoresFetchSubPhase.RANK_FIELD);
            if (rank == null) {
                return null;
            }
            if (((Number) rank.getValue()).intValue() > 0) {
                ranked.add(h);
            }
        }
        ranked.sort(Comparator.comparingInt(h -> ((Number) h.field(VectorScoresFetchSubPhase.RANK_FIELD).getValue()).intValue()));
        List<VectorHit> out = new ArrayList<>();
        for (SearchHit h : ranked) {
            out.add(new VectorHit(h.getIndex(), h.getId(), ((Number) h.field(VectorScoresFetchSubPhase.FIELD).getValue()).floatValue()));
        }
        return out;
    }

    private List<Fusion.Fused> fuse(List<SearchHit> keywordHits, List<VectorHit> v) {
        List<SearchHit> sorted = new ArrayList<>(keywordHits);
        sorted.sort(Comparator.comparingDouble((SearchHit h) -> -h.getScore()).thenComparing(SearchHit::getIndex).thenComparing(SearchHit::getId));
        List<SearchHit> kwHits = sorted.size() > window ? sorted.subList(0, window) : sorted;
        Map<Key, Float> vectorScores = new HashMap<>();
        if (v != null) {
            for (VectorHit h : v) {
                vectorScores.put(new Key(h.index(), h.id()), h.score());
            }
        }
        // the vector list's score where it has the document; otherwise the one computed beside the keyword score
        for (SearchHit h : kwHits) {
            DocumentField computed = h.field(VectorScoresFetchSubPhase.FIELD);
            if (computed != null) {
                vectorScores.putIfAbsent(new Key(h.getIndex(), h.getId()), ((Number) computed.getValue()).floatValue());
            }
        }
        return fusion.fuse(candidates(kwHits, vectorScores, v));
    }

    private static List<Fusion.Candidate> candidates(List<SearchHit> kwHits, Map<Key, Float> vectorScores, List<VectorHit> v) {
        java.util.Set<Key> listed = new java.util.HashSet<>();
        if (v != null) {
            for (VectorHit h : v) {
                listed.add(new Key(h.index(), h.id()));
            }
        }
        Map<Key, Fusion.Candidate> out = new LinkedHashMap<>();
        for (int i = 0; i < kwHits.size(); i++) {
            SearchHit h = kwHits.get(i);
            Key key = new Key(h.getIndex(), h.getId());
            out.put(key, new Fusion.Candidate(h.getIndex(), h.getId(), h.getScore(), i + 1, vectorScores.get(key), listed.contains(key)));
        }
        if (v != null) {
            for (VectorHit h : v) {
                Key key = new Key(h.index(), h.id());
                out.putIfAbsent(key, new Fusion.Candidate(h.index(), h.id(), null, 0, h.score()));
            }
        }
        return new ArrayList<>(out.values());
    }

    @Override
    protected Query doToQuery(QueryShardContext context) {
        throw new IllegalStateException("[" + NAME + "] must be rewritten (fused) before it runs on a shard");
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field("keyword", keyword);
        builder.field("vector");
        vector.innerXContent(builder, params);
        fusion.toXContent(builder, params);
        builder.field("window", window);
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static BinaryHybridQueryBuilder fromXContent(XContentParser parser, QueryServices services) throws IOException {
        Builder b = QueryParsing.parse(PARSER, parser, new Builder(services));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage());
        }
    }

    public static Builder builder(QueryServices services) {
        return new Builder(services);
    }

    /** The parameters of a {@code binary_hybrid} query; {@link #build()} checks them against each other and the limits. */
    public static final class Builder implements QueryParsing.Target {
        private final QueryServices services;
        private QueryBuilder keyword;
        private BinaryKnnQueryBuilder vector;
        private Fusion fusion = Fusion.DEFAULT;
        private Integer window;
        private float boost = DEFAULT_BOOST;
        private String queryName;

        Builder(QueryServices services) {
            this.services = services;
        }

        @Override
        public String where() {
            return NAME;
        }

        public Builder keyword(QueryBuilder v) { keyword = v; return this; }
        public Builder vector(BinaryKnnQueryBuilder v) { vector = v; return this; }
        public Builder fusion(Fusion v) { fusion = v; return this; }
        public Builder window(Integer v) { window = v; return this; }
        public Builder boost(float v) { boost = v; return this; }
        public Builder queryName(String v) { queryName = v; return this; }

        /** The query; a parameter out of range or missing is an IllegalArgumentException naming it. */
        public BinaryHybridQueryBuilder build() {
            int w = window == null ? DEFAULT_WINDOW : window;
            int maxWindow = BinaryKnnQueryBuilder.limitsOf(services).maxWindow();
            String problem = null;
            if (keyword == null) {
                problem = "[keyword] is required (a keyword query such as match)";
            } else if (vector == null) {
                problem = "[vector] is required (the parameters of a binary_knn query)";
            } else if (w < 1 || w > maxWindow) {
                problem = "[window] must be between 1 and " + maxWindow + " (" + QueryLimits.MAX_WINDOW.getKey() + "), got [" + w + "]";
            } else if (w < vector.k()) {
                problem = "[window] (" + w + ") must not be below [vector.k] (" + vector.k() + ")";
            }
            if (problem != null) {
                throw new IllegalArgumentException("[" + NAME + "] " + problem);
            }
            BinaryHybridQueryBuilder b = new BinaryHybridQueryBuilder(services, keyword, vector, fusion, w, null);
            b.boost(boost);
            b.queryName(queryName);
            return b;
        }
    }

    private static final List<String> PARAMETERS = List.of("keyword", "vector", "fusion", "window", "boost", "_name");

    /** The DSL: each parameter and how its value is read (see {@link QueryParsing}). */
    private static final ObjectParser<Builder, Void> PARSER = new ObjectParser<>(
        NAME,
        (b, name, value) -> { throw QueryParsing.unknownParameter(NAME, name, PARAMETERS); },
        null
    );

    static {
        QueryParsing.declare(PARSER, "keyword", Builder::keyword, p -> QueryParsing.innerQuery(p, "keyword"));
        PARSER.declareField((p, b, context) -> b.vector(vector(p, b.services)), new ParseField("vector"), ObjectParser.ValueType.VALUE_OBJECT_ARRAY);
        QueryParsing.declare(PARSER, "fusion", Builder::fusion, p -> {
            if (p.currentToken() != XContentParser.Token.START_OBJECT) {
                throw new IllegalArgumentException("[fusion] must be an object");
            }
            return Fusion.parse(p.map());
        });
        QueryParsing.declare(PARSER, "window", Builder::window, p -> QueryParsing.integer(p, "window"));
        QueryParsing.declare(PARSER, "boost", Builder::boost, p -> QueryParsing.number(p, "boost"));
        QueryParsing.declare(PARSER, "_name", Builder::queryName, p -> QueryParsing.string(p, "_name"));
    }

    /** The {@code vector} object: a binary_knn query's parameters, whose errors name {@code binary_hybrid.vector}. */
    private static BinaryKnnQueryBuilder vector(XContentParser p, QueryServices services) throws IOException {
        if (p.currentToken() != XContentParser.Token.START_OBJECT) {
            throw QueryParsing.badValue(p, NAME, "vector",
                new IllegalArgumentException("[vector] must be an object with the parameters of a binary_knn query"));
        }
        return BinaryKnnQueryBuilder.fromXContent(p, services, NAME + ".vector");
    }

    @Override
    protected boolean doEquals(BinaryHybridQueryBuilder o) {
        return keyword.equals(o.keyword) && vector.equals(o.vector) && fusion.equals(o.fusion) && window == o.window && pending == o.pending;
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(keyword, vector, fusion, window);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
