package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.opensearch.action.IndicesRequest;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.SearchType;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.BoolQueryBuilder;
import org.opensearch.index.query.IdsQueryBuilder;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@code binary_hybrid}: BM25 (any keyword query) and {@code binary_knn} candidates fused into one ranking.
 *
 * <p>On the coordinating node the query runs its two candidate searches over the whole target (the keyword one with
 * {@code dfs_query_then_fetch}, so BM25 statistics are global), scores keyword candidates the vector search missed
 * with full precision, fuses the lists and rewrites itself into a {@link FusedHitsQueryBuilder}. The fused ranking is
 * therefore computed once over global lists: the same for any number of shards, and an ordinary query from then on
 * (inside {@code bool}, with aggregations, sorting, pagination).
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

    /** Runs the candidate searches and fuses them, a nested vector field searched per parent ({@link NestedVectorPath}). */
    private void collect(Client client, Target target, ActionListener<List<Fusion.Fused>> listener) {
        NestedVectorPath.resolve(client, target.indices(), target.template().indicesOptions(), vector.fieldName(), ActionListener.wrap(
            path -> collect(client, target, path, listener), listener::onFailure));
    }

    private void collect(Client client, Target target, String nestedPath, ActionListener<List<Fusion.Fused>> listener) {
        boolean needVectorSearch = fusion.method() != Fusion.Method.RERANK;
        AtomicReference<SearchResponse> kwResponse = new AtomicReference<>();
        AtomicReference<SearchResponse> vResponse = new AtomicReference<>();
        AtomicInteger remaining = new AtomicInteger(needVectorSearch ? 2 : 1);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Runnable whenBoth = () -> {
            if (failure.get() != null) {
                listener.onFailure(failure.get());
                return;
            }
            try {
                scoreMissingAndFuse(client, target, nestedPath, kwResponse.get(), vResponse.get(), listener);
            } catch (Exception e) {
                listener.onFailure(e);
            }
        };
        ActionListener<SearchResponse> kwListener = ActionListener.wrap(r -> {
            kwResponse.set(r);
            if (remaining.decrementAndGet() == 0) whenBoth.run();
        }, e -> {
            failure.compareAndSet(null, e);
            if (remaining.decrementAndGet() == 0) whenBoth.run();
        });
        // twice the window, so the deterministic cut below (score, then index and id) decides ties at the boundary
        // instead of whichever shard answered
        client.search(request(target, keyword, Math.max(window, Math.min(KEYWORD_FETCH_SOFT_CAP, 2 * window)), true), kwListener);
        if (needVectorSearch) {
            int n = vectorListSize();
            BinaryKnnQueryBuilder knn = vector.withKAndFilter(n, Math.max(vector.resolvedNumCandidates(), n), vectorFilter());
            client.search(request(target, NestedVectorPath.around(nestedPath, knn), n, false), ActionListener.wrap(r -> {
                vResponse.set(r);
                if (remaining.decrementAndGet() == 0) whenBoth.run();
            }, e -> {
                failure.compareAndSet(null, e);
                if (remaining.decrementAndGet() == 0) whenBoth.run();
            }));
        }
    }

    private QueryBuilder vectorFilter() {
        return vector.filterQuery();
    }

    private record Key(String index, String id) {}

    private void scoreMissingAndFuse(
        Client client,
        Target target,
        String nestedPath,
        SearchResponse kw,
        SearchResponse v,
        ActionListener<List<Fusion.Fused>> listener
    ) {
        List<SearchHit> sorted = new ArrayList<>(List.of(kw.getHits().getHits()));
        sorted.sort(Comparator.comparingDouble((SearchHit h) -> -h.getScore()).thenComparing(SearchHit::getIndex).thenComparing(SearchHit::getId));
        List<SearchHit> kwHits = sorted.size() > window ? sorted.subList(0, window) : sorted;
        Map<Key, Float> vectorScores = new HashMap<>();
        if (v != null) {
            for (SearchHit h : v.getHits().getHits()) {
                vectorScores.put(new Key(h.getIndex(), h.getId()), h.getScore());
            }
        }
        List<String> missing = new ArrayList<>();
        for (SearchHit h : kwHits) {
            if (vectorScores.containsKey(new Key(h.getIndex(), h.getId())) == false) {
                missing.add(h.getId());
            }
        }
        if (missing.isEmpty()) {
            listener.onResponse(fusion.fuse(candidates(kwHits, vectorScores, v)));
            return;
        }
        // the vector search missed these keyword candidates: score them exactly (a filter this small takes the exact path)
        IdsQueryBuilder ids = new IdsQueryBuilder().addIds(missing.toArray(new String[0]));
        QueryBuilder filter = vectorFilter() == null ? ids : new BoolQueryBuilder().filter(ids).filter(vectorFilter());
        int n = missing.size() * Math.max(1, target.indices().length);
        BinaryKnnQueryBuilder exact = vector.withKAndFilter(n, Math.max(vector.resolvedNumCandidates(), n), filter);
        client.search(request(target, NestedVectorPath.around(nestedPath, exact), n, false), ActionListener.wrap(r -> {
            for (SearchHit h : r.getHits().getHits()) {
                vectorScores.putIfAbsent(new Key(h.getIndex(), h.getId()), h.getScore());
            }
            listener.onResponse(fusion.fuse(candidates(kwHits, vectorScores, v)));
        }, listener::onFailure));
    }

    private static List<Fusion.Candidate> candidates(List<SearchHit> kwHits, Map<Key, Float> vectorScores, SearchResponse v) {
        java.util.Set<Key> listed = new java.util.HashSet<>();
        if (v != null) {
            for (SearchHit h : v.getHits().getHits()) {
                listed.add(new Key(h.getIndex(), h.getId()));
            }
        }
        Map<Key, Fusion.Candidate> out = new LinkedHashMap<>();
        for (int i = 0; i < kwHits.size(); i++) {
            SearchHit h = kwHits.get(i);
            Key key = new Key(h.getIndex(), h.getId());
            out.put(key, new Fusion.Candidate(h.getIndex(), h.getId(), h.getScore(), i + 1, vectorScores.get(key), listed.contains(key)));
        }
        if (v != null) {
            for (SearchHit h : v.getHits().getHits()) {
                Key key = new Key(h.getIndex(), h.getId());
                out.putIfAbsent(key, new Fusion.Candidate(h.getIndex(), h.getId(), null, 0, h.getScore()));
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
        QueryBuilder keyword = null;
        BinaryKnnQueryBuilder vector = null;
        Fusion fusion = Fusion.DEFAULT;
        Integer window = null;
        float boost = DEFAULT_BOOST;
        String queryName = null;
        String current = null;
        for (XContentParser.Token t = parser.nextToken(); t != XContentParser.Token.END_OBJECT; t = BinaryKnnQueryBuilder.nextToken(parser, NAME)) {
            if (t == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
                continue;
            }
            try {
                switch (current) {
                    case "keyword" -> keyword = BinaryKnnQueryBuilder.innerQuery(parser, current);
                    case "vector" -> {
                        if (t != XContentParser.Token.START_OBJECT) {
                            throw new IllegalArgumentException("[vector] must be an object with the parameters of a binary_knn query");
                        }
                        vector = BinaryKnnQueryBuilder.fromXContent(parser, services, NAME + ".vector");
                    }
                    case "fusion" -> {
                        if (t != XContentParser.Token.START_OBJECT) {
                            throw new IllegalArgumentException("[fusion] must be an object");
                        }
                        fusion = Fusion.parse(parser.map());
                    }
                    case "window" -> window = parser.intValue(false);
                    case "boost" -> boost = parser.floatValue(false);
                    case "_name" -> queryName = BinaryKnnQueryBuilder.string(parser, NAME, current);
                    case null -> throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] malformed query");
                    default -> throw new ParsingException(
                        parser.getTokenLocation(),
                        "[" + NAME + "] unknown parameter [" + current + "]; expected one of keyword, vector, fusion, window, boost, _name"
                    );
                }
            } catch (IllegalArgumentException | IOException e) {
                // named like binary_knn's: the JSON parser's own errors ("Integer value passed as String") name no parameter
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] bad value for [" + current + "]: " + e.getMessage(), e);
            }
        }
        String problem = null;
        int w = window == null ? DEFAULT_WINDOW : window;
        int maxWindow = BinaryKnnQueryBuilder.limitsOf(services).maxWindow();
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
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] " + problem);
        }
        BinaryHybridQueryBuilder b = new BinaryHybridQueryBuilder(services, keyword, vector, fusion, w, null);
        b.boost(boost);
        b.queryName(queryName);
        return b;
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
