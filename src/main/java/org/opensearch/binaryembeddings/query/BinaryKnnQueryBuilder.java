package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.util.SetOnce;
import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingFieldType;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;
import org.opensearch.binaryembeddings.mapper.PackedBits;
import org.opensearch.binaryembeddings.mapper.VectorInput;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.ObjectMapper;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryCoordinatorContext;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code binary_knn}: nearest neighbours of a query text, vector or bit string on a {@code binary_embedding} field, by
 * a Hamming (or Jaccard) graph shortlist rescored with full precision. Query text is encoded once, on the coordinating
 * node, by the field's model (or {@code model}); shards receive the vector.
 */
public final class BinaryKnnQueryBuilder extends AbstractQueryBuilder<BinaryKnnQueryBuilder> {

    public static final String NAME = "binary_knn";

    public static final int DEFAULT_K = 10;
    /**
     * The least shortlist per k when {@code oversample} is not given: the default rescores at least {@code k × 4}
     * candidates per segment and, above that, every candidate of the graph's beam ({@code num_candidates}): the walk has
     * already found and scored them, and rescoring them costs little next to the walk (msmarco-5k, in RAM: p50 175 µs
     * rescoring 100 vs 176 µs rescoring 40 of a 100-wide beam) while it raises recall@10 from 0.972 to 0.982, because
     * the sign bits' estimate ranks true neighbours below the 40th candidate (BENCHMARKS.md, "Which estimate can the
     * sign bits give?"). k-NN's on_disk mode rescores its whole {@code ef_search} beam too.
     */
    public static final float DEFAULT_OVERSAMPLE = 4f;
    /** Graph beam width when not given: at least the shortlist and never below 100. */
    public static final int MIN_DEFAULT_NUM_CANDIDATES = 100;

    private final QueryServices services;
    private final String field;
    private final String queryText;
    private final float[] vector;
    private final Object bits; // hex / base64 string or list of bytes, decoded against the mapping on the shard
    private final String model;
    private final int k;
    private final Integer numCandidates;
    /** null: the default (see {@link #shortlist}), resolved on the shard for this query's own k. */
    private final Float oversample;
    private final boolean rescore;
    private final QueryBuilder filter;
    private final Float minScore;
    // set once the coordinating node encoded queryText
    private final float[] encoded;
    private final transient Supplier<float[]> pendingEncoding;
    /**
     * Per concrete index, the filter of the filtering aliases the search reaches it through; null until the
     * coordinating node resolved them. Folded into the graph walk's filter on the shard, so that an alias filter shapes
     * the candidates like {@code filter} instead of removing hits after the top k were chosen.
     */
    private final Map<String, QueryBuilder> aliasFilters;
    /**
     * Inside a {@code nested} query: how many best chunks of each of the k parent documents match (the parent's
     * {@code inner_hits}; with the nested {@code score_mode} {@code avg}, the parent's score is their mean).
     */
    private final int chunksPerParent;

    private BinaryKnnQueryBuilder(Builder b) {
        this.services = b.services;
        this.field = b.field;
        this.queryText = b.queryText;
        this.vector = b.vector;
        this.bits = b.bits;
        this.model = b.model;
        this.k = b.k;
        this.numCandidates = b.numCandidates;
        this.oversample = b.oversample;
        this.rescore = b.rescore;
        this.filter = b.filter;
        this.minScore = b.minScore;
        this.encoded = b.encoded;
        this.pendingEncoding = b.pendingEncoding;
        this.aliasFilters = b.aliasFilters;
        this.chunksPerParent = b.chunksPerParent;
        boost(b.boost);
        queryName(b.queryName);
    }

    /** The default follows a lowered cap instead of failing every request that omits it. */
    private static float defaultOversample(QueryServices services) {
        return Math.min(DEFAULT_OVERSAMPLE, limitsOf(services).maxOversample());
    }

    public static Builder builder(QueryServices services) {
        return new Builder(services, NAME);
    }

    /** A copy to change: every parameter, boost and name included. */
    Builder toBuilder() {
        Builder b = new Builder(services, NAME);
        b.field = field;
        b.queryText = queryText;
        b.vector = vector;
        b.bits = bits;
        b.model = model;
        b.k = k;
        b.numCandidates = numCandidates;
        b.oversample = oversample;
        b.rescore = rescore;
        b.filter = filter;
        b.minScore = minScore;
        b.encoded = encoded;
        b.pendingEncoding = pendingEncoding;
        b.aliasFilters = aliasFilters;
        b.chunksPerParent = chunksPerParent;
        b.boost = boost;
        b.queryName = queryName;
        return b;
    }

    /**
     * The parameters of a {@code binary_knn} query, set one by one (by the DSL parser or by code); {@link #build()}
     * checks them against each other and the cluster's {@link QueryLimits}.
     */
    public static final class Builder implements QueryParsing.Target {
        private final QueryServices services;
        private final String where;
        private String field, queryText, model, queryName;
        private float[] vector, encoded;
        private Object bits;
        private int k = DEFAULT_K;
        private Integer numCandidates;
        private Float oversample, minScore;
        private boolean rescore = true;
        private QueryBuilder filter;
        private float boost = DEFAULT_BOOST;
        private Supplier<float[]> pendingEncoding;
        private Map<String, QueryBuilder> aliasFilters;
        private int chunksPerParent = 1;

        Builder(QueryServices services, String where) {
            this.services = services;
            this.where = where;
        }

        @Override
        public String where() {
            return where;
        }

        public Builder field(String v) { field = v; return this; }
        public Builder queryText(String v) { queryText = v; return this; }
        public Builder vector(float[] v) { vector = v; return this; }
        /** A hex or base64 string or a list of signed bytes. */
        public Builder bits(Object v) { bits = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder k(int v) { k = v; return this; }
        public Builder numCandidates(Integer v) { numCandidates = v; return this; }
        public Builder oversample(Float v) { oversample = v; return this; }
        public Builder rescore(boolean v) { rescore = v; return this; }
        public Builder filter(QueryBuilder v) { filter = v; return this; }
        public Builder minScore(Float v) { minScore = v; return this; }
        /** Inside a {@code nested} query: best chunks kept per parent document. */
        public Builder chunksPerParent(int v) { chunksPerParent = v; return this; }
        public Builder boost(float v) { boost = v; return this; }
        public Builder queryName(String v) { queryName = v; return this; }

        Builder encoding(float[] v, Supplier<float[]> pending) {
            encoded = v;
            pendingEncoding = pending;
            return this;
        }

        Builder aliasFilters(Map<String, QueryBuilder> v) { aliasFilters = v; return this; }

        /** The query; a parameter out of range or missing is an IllegalArgumentException naming it. */
        public BinaryKnnQueryBuilder build() {
            String problem = problem();
            if (problem != null) {
                throw new IllegalArgumentException("[" + where + "] " + problem);
            }
            return new BinaryKnnQueryBuilder(this);
        }

        /** A copy of a query that was checked when it was built: caps lowered since then do not fail it halfway. */
        BinaryKnnQueryBuilder copy() {
            return new BinaryKnnQueryBuilder(this);
        }

        /** What is wrong with the parameters together, or null. */
        private String problem() {
            QueryLimits limits = limitsOf(services);
            float os = oversample != null ? oversample : defaultOversample(services); // the default never fails
            int inputs = (queryText != null ? 1 : 0) + (vector != null ? 1 : 0) + (bits != null ? 1 : 0);
            if (field == null) {
                return "[field] is required";
            } else if (inputs != 1) {
                return "exactly one of [query_text], [vector] or [bits] is required, got " + (inputs == 0 ? "none" : inputs);
            } else if (queryText != null && queryText.isBlank()) {
                return "[query_text] must not be empty";
            } else if (model != null && queryText == null) {
                return "[model] only applies to [query_text]";
            } else if (k < 1 || k > limits.maxK()) {
                return "[k] must be between 1 and " + limits.maxK() + " (" + QueryLimits.MAX_K.getKey() + "), got [" + k + "]";
            } else if (Float.isNaN(os) || os < 1 || os > limits.maxOversample()) {
                return "[oversample] must be between 1 and " + limits.maxOversample() + " (" + QueryLimits.MAX_OVERSAMPLE.getKey()
                    + "), got [" + os + "]";
            } else if (numCandidates != null && (numCandidates < k || numCandidates > limits.maxNumCandidates())) {
                return "[num_candidates] must be between [k] (" + k + ") and " + limits.maxNumCandidates() + " ("
                    + QueryLimits.MAX_NUM_CANDIDATES.getKey() + "), got [" + numCandidates + "]";
            } else if (minScore != null && (Float.isFinite(minScore) == false || minScore < 0)) {
                return "[min_score] must be a non-negative number, got [" + minScore + "]";
            } else if (chunksPerParent < 1 || chunksPerParent > ParentDiversifiedKnnQuery.MAX_CHUNKS_PER_PARENT) {
                return "[chunks_per_parent] must be between 1 and " + ParentDiversifiedKnnQuery.MAX_CHUNKS_PER_PARENT + ", got ["
                    + chunksPerParent + "]";
            }
            return null;
        }
    }

    public BinaryKnnQueryBuilder(StreamInput in, QueryServices services) throws IOException {
        super(in);
        this.services = services;
        this.field = in.readString();
        this.queryText = in.readOptionalString();
        this.vector = readFloats(in);
        this.bits = in.readGenericValue();
        this.model = in.readOptionalString();
        this.k = in.readVInt();
        this.numCandidates = in.readOptionalVInt();
        this.oversample = in.getVersion().onOrAfter(StreamVersions.KNN_DEFAULT_OVERSAMPLE) ? in.readOptionalFloat() : Float.valueOf(in.readFloat());
        this.rescore = in.readBoolean();
        this.filter = in.readOptionalNamedWriteable(QueryBuilder.class);
        this.minScore = in.readOptionalFloat();
        this.encoded = readFloats(in);
        this.pendingEncoding = null;
        this.aliasFilters = in.getVersion().onOrAfter(StreamVersions.KNN_ALIAS_FILTERS) && in.readBoolean()
            ? in.readMap(StreamInput::readString, i -> i.readNamedWriteable(QueryBuilder.class))
            : null;
        this.chunksPerParent = in.getVersion().onOrAfter(StreamVersions.KNN_CHUNKS_PER_PARENT) ? in.readVInt() : 1;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        if (pendingEncoding != null) {
            throw new IllegalStateException("binary_knn query text must be encoded before the query is sent to shards");
        }
        out.writeString(field);
        out.writeOptionalString(queryText);
        writeFloats(out, vector);
        out.writeGenericValue(bits);
        out.writeOptionalString(model);
        out.writeVInt(k);
        out.writeOptionalVInt(numCandidates);
        if (out.getVersion().onOrAfter(StreamVersions.KNN_DEFAULT_OVERSAMPLE)) {
            out.writeOptionalFloat(oversample);
        } else {
            // an older node resolves no default of its own: it gets the least shortlist the default rescores
            out.writeFloat(oversample != null ? oversample : defaultOversample(services));
        }
        out.writeBoolean(rescore);
        out.writeOptionalNamedWriteable(filter);
        out.writeOptionalFloat(minScore);
        writeFloats(out, encoded);
        if (out.getVersion().onOrAfter(StreamVersions.KNN_ALIAS_FILTERS)) {
            out.writeBoolean(aliasFilters != null);
            if (aliasFilters != null) {
                out.writeMap(aliasFilters, StreamOutput::writeString, StreamOutput::writeNamedWriteable);
            }
        }
        if (out.getVersion().onOrAfter(StreamVersions.KNN_CHUNKS_PER_PARENT)) {
            out.writeVInt(chunksPerParent);
        } else if (chunksPerParent != 1) {
            // dropping it would silently change which chunks (and with score_mode avg, which scores) the parents get
            throw new IllegalArgumentException(
                "[" + NAME + "] [chunks_per_parent] needs every node on version " + StreamVersions.KNN_CHUNKS_PER_PARENT
                    + " or later; node version [" + out.getVersion() + "] does not read it"
            );
        }
    }

    static float[] readFloats(StreamInput in) throws IOException {
        int n = in.readVInt() - 1;
        if (n < 0) {
            return null;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }

    static void writeFloats(StreamOutput out, float[] v) throws IOException {
        out.writeVInt(v == null ? 0 : v.length + 1);
        if (v != null) {
            for (float x : v) {
                out.writeFloat(x);
            }
        }
    }

    public String fieldName() {
        return field;
    }

    public int k() {
        return k;
    }

    QueryBuilder filterQuery() {
        return filter;
    }

    String queryText() {
        return queryText;
    }

    float[] queryVector() {
        return vector != null ? vector : encoded;
    }

    /**
     * A copy with another k, search width and filter, without boost or name (its scores are the plain vector scores);
     * used by {@code binary_hybrid} for its vector candidates.
     */
    BinaryKnnQueryBuilder withKAndFilter(int newK, Integer newNumCandidates, QueryBuilder newFilter) {
        // not checked against the caps: binary_hybrid's [window] is, and sets the list's k
        return toBuilder().k(newK).numCandidates(newNumCandidates).filter(newFilter).boost(DEFAULT_BOOST).queryName(null).copy();
    }

    private BinaryKnnQueryBuilder withEncoding(String newModel, float[] newEncoded, Supplier<float[]> pending, QueryBuilder newFilter,
        Map<String, QueryBuilder> newAliasFilters) {
        return toBuilder().model(newModel).encoding(newEncoded, pending).filter(newFilter).aliasFilters(newAliasFilters).copy();
    }

    /**
     * Candidates rescored per segment: {@code k × oversample} when oversample is given; by default every candidate of
     * the beam and at least {@code k × 4}, within {@code k × max_oversample} (an administrator's bound on rescoring work)
     * and {@code max_num_candidates}.
     */
    int shortlist() {
        QueryLimits limits = limits();
        if (oversample != null) {
            return shortlistOf(k, oversample, limits);
        }
        return defaultShortlist(k, resolvedNumCandidates(), limits.maxNumCandidates(), limits);
    }

    /**
     * The default shortlist of a search for {@code k} hits with a beam of {@code beam}: every candidate of the beam, at
     * least {@code k × 4}, at most {@code k × max_oversample} and {@code cap}.
     */
    private static int defaultShortlist(int k, int beam, int cap, QueryLimits limits) {
        long bound = Math.min(cap, (long) k * limits.maxOversample());
        double least = Math.ceil(k * (double) Math.min(DEFAULT_OVERSAMPLE, limits.maxOversample()));
        return (int) Math.min(bound, Math.max(least, beam));
    }

    private static int shortlistOf(int k, float oversample, QueryLimits limits) {
        return (int) Math.min(limits.maxNumCandidates(), Math.ceil(k * (double) oversample));
    }

    private int leastDefaultShortlist(QueryLimits limits) {
        return shortlistOf(k, Math.min(DEFAULT_OVERSAMPLE, limits.maxOversample()), limits);
    }

    int resolvedNumCandidates() {
        if (numCandidates != null) {
            return numCandidates;
        }
        QueryLimits limits = limits();
        int base = oversample != null ? shortlistOf(k, oversample, limits) : leastDefaultShortlist(limits);
        // the default beam respects the cap too, but never drops below k
        return Math.max(k, Math.min(limits.maxNumCandidates(), Math.max(MIN_DEFAULT_NUM_CANDIDATES, base)));
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        QueryBuilder newFilter = filter == null ? null : filter.rewrite(context);
        QueryCoordinatorContext coordinator = context.convertToCoordinatorContext();
        Map<String, QueryBuilder> newAliasFilters = rewriteAliasFilters(context, coordinator);
        if (queryText != null && encoded == null) {
            if (pendingEncoding != null) {
                float[] v = pendingEncoding.get();
                if (v != null) {
                    return withEncoding(model, v, null, newFilter, newAliasFilters);
                }
            } else if (coordinator != null) {
                return encodeAsync(context, coordinator, newFilter, newAliasFilters);
            }
        }
        boolean changed = newFilter != filter || newAliasFilters != aliasFilters;
        return changed ? withEncoding(model, encoded, pendingEncoding, newFilter, newAliasFilters) : this;
    }

    /** The filtering aliases' filters: resolved on the coordinating node, then rewritten like {@code filter}. */
    private Map<String, QueryBuilder> rewriteAliasFilters(QueryRewriteContext context, QueryCoordinatorContext coordinator) throws IOException {
        Map<String, QueryBuilder> resolved = aliasFilters;
        if (resolved == null && coordinator != null) {
            resolved = services == null ? Map.of() : services.aliasFilters(coordinator.getSearchRequest());
        }
        if (resolved == null || resolved.isEmpty()) {
            return resolved;
        }
        Map<String, QueryBuilder> rewritten = new TreeMap<>();
        for (Map.Entry<String, QueryBuilder> e : resolved.entrySet()) {
            rewritten.put(e.getKey(), e.getValue().rewrite(context));
        }
        return rewritten.equals(resolved) ? resolved : rewritten;
    }

    /** Encodes the query text off the search thread; the copy returned waits for it (OpenSearch runs the action). */
    private BinaryKnnQueryBuilder encodeAsync(QueryRewriteContext context, QueryCoordinatorContext coordinator, QueryBuilder newFilter,
        Map<String, QueryBuilder> newAliasFilters) {
        String m = model != null ? model : services.modelOfField(coordinator.getSearchRequest(), field);
        SetOnce<float[]> result = new SetOnce<>();
        String text = queryText;
        QueryEncoder encoder = services.encoder();
        context.registerAsyncAction((client, listener) -> encoder.encodeQuery(m, text, ActionListener.wrap(v -> {
            result.set(v);
            listener.onResponse(null);
        }, listener::onFailure)));
        // the copy names the model that encoded the text, so shards check it against their field and errors name it
        return withEncoding(m, null, result::get, newFilter, newAliasFilters);
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        return toLuceneQuery(context, null);
    }

    /**
     * The Lucene query, its candidates also restricted by {@code extraFilter} (null: none). Inside a {@code nested}
     * query (the parent filter is set) {@code k} counts parent documents, and the filters select parent documents.
     */
    Query toLuceneQuery(QueryShardContext context, Query extraFilter) throws IOException {
        OnShard q = onShard(context, extraFilter);
        if (context.getParentFilter() == null) {
            return new BinaryKnnQuery(q.field, q.spec, q.prepared, q.bits, k, shortlist(), resolvedNumCandidates(), rescore, q.filter, minScore);
        }
        return parentLevel(context, q);
    }

    /** The query's parts resolved against the shard's mapping: Lucene field, spec, query vector and bits, filters. */
    private record OnShard(String field, BinaryEmbeddingSpec spec, float[] prepared, byte[] bits, Query filter) {}

    private OnShard onShard(QueryShardContext context, Query extraFilter) throws IOException {
        BinaryEmbeddingFieldType type = fieldType(context);
        BinaryEmbeddingSpec spec = type.spec();
        // a field alias resolves to its target's type: the Lucene field is the target's full name
        String luceneField = type.name();
        checkNestedScope(context, luceneField);
        checkModel(context, spec);
        float[] q = queryVector(spec);
        float[] prepared = q == null ? null : VectorInput.prepare(q, spec, "[" + NAME + "] [vector]");
        byte[] queryBits = prepared != null ? SignBits.pack(prepared, spec.binaryDims()) : PackedBits.decode(bits, spec.packedBytes(), "[" + NAME + "] [bits]");
        return new OnShard(luceneField, spec, prepared, queryBits, and(filterQuery(context), extraFilter));
    }

    /**
     * Inside a {@code nested} query (the vectors of a document's chunks): {@code k} counts parent documents, and
     * {@code filter} selects parent documents (their chunks are searched).
     */
    private Query parentLevel(QueryShardContext context, OnShard q) {
        BitSetProducer parents = context.getParentFilter();
        Query chunkFilter = chunkFilter(context, q.filter);
        int beam = numCandidates != null ? numCandidates : resolvedNumCandidates();
        QueryLimits limits = limits();
        return new ParentDiversifiedKnnQuery(chunks -> {
            int cap = Math.max(limits.maxNumCandidates(), chunks);
            // as at the top level, with chunks for k
            int shortlist = oversample != null
                ? (int) Math.min(cap, Math.ceil(chunks * (double) oversample))
                : defaultShortlist(chunks, Math.max(chunks, beam), cap, limits);
            return new BinaryKnnQuery(q.field, q.spec, q.prepared, q.bits, chunks, shortlist, Math.max(chunks, beam), rescore, chunkFilter, minScore);
        }, k, chunksPerParent, parents, q.field);
    }

    /** A parent-level filter as the filter of the chunk search: the chunks of the parents that match it. */
    private static Query chunkFilter(QueryShardContext context, Query parentFilter) {
        return parentFilter == null
            ? null
            : ParentDiversifiedKnnQuery.parentFilter(parentFilter, ParentDiversifiedKnnQuery.parentsQuery(context), context.getParentFilter());
    }

    /**
     * Inside a {@code nested} query: every chunk of the parent documents {@code parentDocs} that the query's filters
     * let through, scored (with rescoring, by an exact scan), whatever {@code k}; {@code chunks} bounds how many there
     * are. binary_hybrid joins them to their parents by the best one: a keyword hit's vector score on a nested field
     * ({@link VectorScoresRescorer}), the score a nested {@code binary_knn} with {@code score_mode} max gives that
     * parent when it finds the parent's best chunk.
     */
    Query chunksOfParents(QueryShardContext context, Query parentDocs, int chunks) throws IOException {
        if (context.getParentFilter() == null) {
            throw new IllegalStateException("[" + NAME + "] chunks of parents are searched inside a nested scope only");
        }
        OnShard q = onShard(context, parentDocs);
        int n = Math.max(1, chunks);
        return new BinaryKnnQuery(q.field, q.spec, q.prepared, q.bits, n, n, n, rescore, chunkFilter(context, q.filter), minScore);
    }

    private BinaryEmbeddingFieldType fieldType(QueryShardContext context) {
        MappedFieldType type = context.fieldMapper(field);
        if (type instanceof BinaryEmbeddingFieldType == false) {
            throw new IllegalArgumentException(
                "[" + NAME + "] [field] must name a [binary_embedding] field; [" + field + "] is "
                    + (type == null ? "not mapped in index [" + context.index().getName() + "]" : "of type [" + type.typeName() + "]")
            );
        }
        return (BinaryEmbeddingFieldType) type;
    }

    private void checkModel(QueryShardContext context, BinaryEmbeddingSpec spec) {
        if (queryText != null && model != null && spec.model() != null && model.equals(spec.model()) == false) {
            // vectors of two models live in different embedding spaces: their similarities would be meaningless
            throw new IllegalArgumentException(
                "[" + NAME + "] [model] [" + model + "] is not the model of field [" + field + "] in index [" + context.index().getName()
                    + "], [" + spec.model() + "]: its vectors are in another embedding space; leave [model] out or name [" + spec.model() + "]"
            );
        }
    }

    /**
     * The query vector ({@code vector}, or {@code query_text} as the coordinating node encoded it); null for
     * {@code bits}. A shard never encodes: a search thread must not wait for the model. Query text arrives unencoded
     * only through a path that skips the coordinating node's rewrite (such as a filtering alias's filter, which
     * OpenSearch parses on the shard): that is refused, naming what to send instead.
     */
    private float[] queryVector(BinaryEmbeddingSpec spec) {
        float[] q = vector != null ? vector : encoded;
        if (q == null && queryText != null) {
            if (model == null && spec.model() == null) {
                throw new IllegalArgumentException(
                    "field [" + field + "] has no [model] in its mapping; give [model] in the query or send [vector] or [bits]"
                );
            }
            throw new IllegalArgumentException(
                "[" + NAME + "] [query_text] reached the shard unencoded: it is encoded by the coordinating node's query rewrite, which this "
                    + "request did not run (for example inside a filtering alias's filter); send [vector] or [bits] instead"
            );
        }
        if (q != null && q.length != spec.dims()) {
            String source = vector != null ? "[vector]" : "the encoded [query_text] (model [" + (model != null ? model : spec.model()) + "])";
            throw new IllegalArgumentException("[" + NAME + "] " + source + " has " + q.length + " dims but field [" + field + "] expects " + spec.dims());
        }
        return q;
    }

    /** {@code filter} and the filtering aliases' filter for this index, together; null when neither. */
    private Query filterQuery(QueryShardContext context) throws IOException {
        Query filterQuery = filter == null ? null : filter.toQuery(context);
        QueryBuilder aliasFilter = aliasFilters == null ? null : aliasFilters.get(context.index().getName());
        if (aliasFilter == null) {
            return filterQuery;
        }
        return and(filterQuery, aliasFilter.toQuery(context));
    }

    private static Query and(Query a, Query b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return new BooleanQuery.Builder().add(a, BooleanClause.Occur.FILTER).add(b, BooleanClause.Occur.FILTER).build();
    }

    /**
     * A field inside a {@code nested} object lives in hidden child documents, which OpenSearch removes from a top-level
     * query's hits: without a {@code nested} query around it, {@code binary_knn} would find the nearest children and
     * return nothing. Refuse that with the query to write instead.
     */
    private void checkNestedScope(QueryShardContext context, String luceneField) {
        ObjectMapper nested = NestedVectorPath.nestedObject(context, luceneField);
        String nestedPath = nested == null ? null : nested.fullPath();
        ObjectMapper scope = context.nestedScope().getObjectMapper();
        String scopePath = scope == null ? null : scope.fullPath();
        if (Objects.equals(nestedPath, scopePath) == false) {
            throw new IllegalArgumentException(
                "[" + NAME + "] field [" + field + "] is " + (nestedPath == null ? "not inside a nested object" : "inside the nested object [" + nestedPath + "]")
                    + (scopePath == null ? "" : " but the query is inside a nested query on [" + scopePath + "]")
                    + (nestedPath == null
                        ? "; put [" + NAME + "] outside the nested query"
                        : "; wrap it in {\"nested\": {\"path\": \"" + nestedPath + "\", \"query\": {\"" + NAME + "\": ...}}}")
            );
        }
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.field(NAME);
        innerXContent(builder, params);
    }

    /** The query's object without its name, as {@code binary_hybrid} embeds it under {@code vector}. */
    void innerXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        builder.field("field", field);
        if (queryText != null) {
            builder.field("query_text", queryText);
        }
        if (vector != null) {
            builder.array("vector", vector);
        }
        if (bits != null) {
            builder.field("bits", bits);
        }
        if (model != null) {
            builder.field("model", model);
        }
        builder.field("k", k);
        if (numCandidates != null) {
            builder.field("num_candidates", numCandidates);
        }
        if (oversample != null) {
            builder.field("oversample", oversample);
        }
        builder.field("rescore", rescore);
        if (filter != null) {
            builder.field("filter", filter);
        }
        if (minScore != null) {
            builder.field("min_score", minScore);
        }
        if (chunksPerParent != 1) {
            builder.field("chunks_per_parent", chunksPerParent);
        }
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static BinaryKnnQueryBuilder fromXContent(XContentParser parser, QueryServices services) throws IOException {
        return fromXContent(parser, services, NAME);
    }

    /** Parses the query's object ({@code where}: the name its errors use, such as {@code binary_hybrid.vector}). */
    static BinaryKnnQueryBuilder fromXContent(XContentParser parser, QueryServices services, String where) throws IOException {
        Builder b = QueryParsing.parse(PARSER, parser, new Builder(services, where));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage());
        }
    }

    private static final List<String> PARAMETERS = List.of(
        "field", "query_text", "vector", "bits", "model", "k", "num_candidates", "oversample", "rescore", "filter", "min_score", "chunks_per_parent",
        "boost", "_name"
    );

    /** The DSL: each parameter and how its value is read (see {@link QueryParsing}). */
    private static final ObjectParser<Builder, Void> PARSER = new ObjectParser<>(
        NAME,
        (b, name, value) -> { throw QueryParsing.unknownParameter(b.where(), name, PARAMETERS); },
        null
    );

    static {
        QueryParsing.declare(PARSER, "field", Builder::field, p -> QueryParsing.string(p, "field"));
        QueryParsing.declare(PARSER, "query_text", Builder::queryText, p -> QueryParsing.string(p, "query_text"));
        QueryParsing.declare(PARSER, "vector", Builder::vector, QueryParsing::vector);
        QueryParsing.declare(PARSER, "bits", Builder::bits, QueryParsing::bits);
        QueryParsing.declare(PARSER, "model", Builder::model, p -> QueryParsing.string(p, "model"));
        QueryParsing.declare(PARSER, "k", Builder::k, p -> QueryParsing.integer(p, "k"));
        QueryParsing.declare(PARSER, "num_candidates", Builder::numCandidates, p -> QueryParsing.integer(p, "num_candidates"));
        QueryParsing.declare(PARSER, "oversample", Builder::oversample, p -> QueryParsing.number(p, "oversample"));
        QueryParsing.declare(PARSER, "rescore", Builder::rescore, p -> QueryParsing.bool(p, "rescore"));
        QueryParsing.declare(PARSER, "filter", Builder::filter, p -> QueryParsing.innerQuery(p, "filter"));
        QueryParsing.declare(PARSER, "min_score", Builder::minScore, p -> QueryParsing.number(p, "min_score"));
        QueryParsing.declare(PARSER, "chunks_per_parent", Builder::chunksPerParent, p -> QueryParsing.integer(p, "chunks_per_parent"));
        QueryParsing.declare(PARSER, "boost", Builder::boost, p -> QueryParsing.number(p, "boost"));
        QueryParsing.declare(PARSER, "_name", Builder::queryName, p -> QueryParsing.string(p, "_name"));
    }

    private QueryLimits limits() {
        return limitsOf(services);
    }

    static QueryLimits limitsOf(QueryServices services) {
        return services == null ? QueryLimits.DEFAULTS : services.limits();
    }

    @Override
    protected boolean doEquals(BinaryKnnQueryBuilder o) {
        return field.equals(o.field) && Objects.equals(queryText, o.queryText) && Arrays.equals(vector, o.vector)
            && Objects.equals(bits, o.bits) && Objects.equals(model, o.model) && k == o.k && Objects.equals(numCandidates, o.numCandidates)
            && Objects.equals(oversample, o.oversample) && rescore == o.rescore && Objects.equals(filter, o.filter) && Objects.equals(minScore, o.minScore)
            && Arrays.equals(encoded, o.encoded) && pendingEncoding == o.pendingEncoding && Objects.equals(aliasFilters, o.aliasFilters)
            && chunksPerParent == o.chunksPerParent;
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(field, queryText, Arrays.hashCode(vector), bits, model, k, numCandidates, oversample, rescore, filter, minScore, Arrays.hashCode(encoded), aliasFilters,
            chunksPerParent);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
