package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
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
import java.util.ArrayList;
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
    /** Shortlist = k × oversample candidates rescored per segment; 4 is where rescoring stops gaining (see BENCHMARKS.md). */
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
    private final float oversample;
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
    private int chunksPerParent = 1;

    BinaryKnnQueryBuilder(
        QueryServices services,
        String field,
        String queryText,
        float[] vector,
        Object bits,
        String model,
        int k,
        Integer numCandidates,
        float oversample,
        boolean rescore,
        QueryBuilder filter,
        Float minScore,
        float[] encoded,
        Supplier<float[]> pendingEncoding,
        Map<String, QueryBuilder> aliasFilters
    ) {
        this.services = services;
        this.field = field;
        this.queryText = queryText;
        this.vector = vector;
        this.bits = bits;
        this.model = model;
        this.k = k;
        this.numCandidates = numCandidates;
        this.oversample = oversample;
        this.rescore = rescore;
        this.filter = filter;
        this.minScore = minScore;
        this.encoded = encoded;
        this.pendingEncoding = pendingEncoding;
        this.aliasFilters = aliasFilters;
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
        this.oversample = in.readFloat();
        this.rescore = in.readBoolean();
        this.filter = in.readOptionalNamedWriteable(QueryBuilder.class);
        this.minScore = in.readOptionalFloat();
        this.encoded = readFloats(in);
        this.pendingEncoding = null;
        this.aliasFilters = in.readBoolean() ? in.readMap(StreamInput::readString, i -> i.readNamedWriteable(QueryBuilder.class)) : null;
        this.chunksPerParent = in.readVInt();
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
        out.writeFloat(oversample);
        out.writeBoolean(rescore);
        out.writeOptionalNamedWriteable(filter);
        out.writeOptionalFloat(minScore);
        writeFloats(out, encoded);
        out.writeBoolean(aliasFilters != null);
        if (aliasFilters != null) {
            out.writeMap(aliasFilters, StreamOutput::writeString, StreamOutput::writeNamedWriteable);
        }
        out.writeVInt(chunksPerParent);
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

    /** A copy with another k, search width and filter; used by {@code binary_hybrid} for its vector candidates. */
    BinaryKnnQueryBuilder withKAndFilter(int newK, Integer newNumCandidates, QueryBuilder newFilter) {
        return new BinaryKnnQueryBuilder(services, field, queryText, vector, bits, model, newK, newNumCandidates, oversample, rescore, newFilter, minScore, encoded, pendingEncoding, aliasFilters);
    }

    private BinaryKnnQueryBuilder withEncoding(float[] newEncoded, Supplier<float[]> pending, QueryBuilder newFilter, Map<String, QueryBuilder> newAliasFilters) {
        return withEncoding(model, newEncoded, pending, newFilter, newAliasFilters);
    }

    private BinaryKnnQueryBuilder withEncoding(String newModel, float[] newEncoded, Supplier<float[]> pending, QueryBuilder newFilter, Map<String, QueryBuilder> newAliasFilters) {
        BinaryKnnQueryBuilder b = new BinaryKnnQueryBuilder(services, field, queryText, vector, bits, newModel, k, numCandidates, oversample, rescore, newFilter, minScore, newEncoded, pending, newAliasFilters);
        b.boost(boost).queryName(queryName);
        b.chunksPerParent = chunksPerParent;
        return b;
    }

    int shortlist() {
        return (int) Math.min(limits().maxNumCandidates(), Math.ceil(k * (double) oversample));
    }

    int resolvedNumCandidates() {
        if (numCandidates != null) {
            return numCandidates;
        }
        // the default beam respects the cap too, but never drops below k
        return Math.max(k, Math.min(limits().maxNumCandidates(), Math.max(MIN_DEFAULT_NUM_CANDIDATES, shortlist())));
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        QueryBuilder newFilter = filter == null ? null : filter.rewrite(context);
        QueryCoordinatorContext coordinator = context.convertToCoordinatorContext();
        Map<String, QueryBuilder> newAliasFilters = aliasFilters;
        if (newAliasFilters == null && coordinator != null) {
            newAliasFilters = services == null ? Map.of() : services.aliasFilters(coordinator.getSearchRequest());
        }
        if (newAliasFilters != null && newAliasFilters.isEmpty() == false) {
            Map<String, QueryBuilder> rewritten = new TreeMap<>();
            for (Map.Entry<String, QueryBuilder> e : newAliasFilters.entrySet()) {
                rewritten.put(e.getKey(), e.getValue().rewrite(context));
            }
            if (rewritten.equals(newAliasFilters) == false) {
                newAliasFilters = rewritten;
            }
        }
        if (queryText != null && encoded == null) {
            if (pendingEncoding != null) {
                float[] v = pendingEncoding.get();
                return v == null ? (newAliasFilters != aliasFilters || newFilter != filter ? withEncoding(null, pendingEncoding, newFilter, newAliasFilters) : this)
                    : withEncoding(v, null, newFilter, newAliasFilters);
            }
            if (coordinator != null) {
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
        }
        return newFilter != filter || newAliasFilters != aliasFilters ? withEncoding(encoded, pendingEncoding, newFilter, newAliasFilters) : this;
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        MappedFieldType type = context.fieldMapper(field);
        if (type instanceof BinaryEmbeddingFieldType == false) {
            throw new IllegalArgumentException(
                "[" + NAME + "] [field] must name a [binary_embedding] field; [" + field + "] is "
                    + (type == null ? "not mapped in index [" + context.index().getName() + "]" : "of type [" + type.typeName() + "]")
            );
        }
        BinaryEmbeddingSpec spec = ((BinaryEmbeddingFieldType) type).spec();
        // a field alias resolves to its target's type: the Lucene field is the target's full name
        String luceneField = type.name();
        checkNestedScope(context, luceneField);
        if (queryText != null && model != null && spec.model() != null && model.equals(spec.model()) == false) {
            // vectors of two models live in different embedding spaces: their similarities would be meaningless
            throw new IllegalArgumentException(
                "[" + NAME + "] [model] [" + model + "] is not the model of field [" + field + "] in index [" + context.index().getName()
                    + "], [" + spec.model() + "]: its vectors are in another embedding space; leave [model] out or name [" + spec.model() + "]"
            );
        }
        float[] q = vector != null ? vector : encoded;
        if (q == null && queryText != null) {
            String m = model != null ? model : spec.model();
            if (m == null) {
                throw new IllegalArgumentException(
                    "field [" + field + "] has no [model] in its mapping; give [model] in the query or send [vector] or [bits]"
                );
            }
            q = services.encoder().encodeQuery(m, queryText);
        }
        float[] prepared = null;
        byte[] queryBits;
        if (q != null) {
            if (q.length != spec.dims()) {
                String source = vector != null ? "[vector]" : "the encoded [query_text] (model [" + (model != null ? model : spec.model()) + "])";
                throw new IllegalArgumentException(
                    "[" + NAME + "] " + source + " has " + q.length + " dims but field [" + field + "] expects " + spec.dims()
                );
            }
            prepared = VectorInput.prepare(q, spec, "[" + NAME + "] [vector]");
            queryBits = SignBits.pack(prepared, spec.binaryDims());
        } else {
            queryBits = PackedBits.decode(bits, spec.packedBytes(), "[" + NAME + "] [bits]");
        }
        Query filterQuery = filter == null ? null : filter.toQuery(context);
        QueryBuilder aliasFilter = aliasFilters == null ? null : aliasFilters.get(context.index().getName());
        if (aliasFilter != null) {
            Query a = aliasFilter.toQuery(context);
            filterQuery = filterQuery == null ? a
                : new BooleanQuery.Builder().add(filterQuery, BooleanClause.Occur.FILTER).add(a, BooleanClause.Occur.FILTER).build();
        }
        if (context.getParentFilter() == null) {
            return new BinaryKnnQuery(luceneField, spec, prepared, queryBits, k, shortlist(), resolvedNumCandidates(), rescore, filterQuery, minScore);
        }
        return parentLevel(context, luceneField, spec, prepared, queryBits, filterQuery);
    }

    /**
     * Inside a {@code nested} query (the vectors of a document's chunks): {@code k} counts parent documents, and
     * {@code filter} selects parent documents (their chunks are searched).
     */
    private Query parentLevel(QueryShardContext context, String luceneField, BinaryEmbeddingSpec spec, float[] prepared, byte[] queryBits, Query filterQuery) {
        org.apache.lucene.search.join.BitSetProducer parents = context.getParentFilter();
        Query chunkFilter = filterQuery == null ? null : ParentDiversifiedKnnQuery.parentFilter(filterQuery, ParentDiversifiedKnnQuery.parentsQuery(context), parents);
        int beam = numCandidates != null ? numCandidates : resolvedNumCandidates();
        return new ParentDiversifiedKnnQuery(chunks -> {
            int shortlist = (int) Math.min(Math.max(limits().maxNumCandidates(), chunks), Math.ceil(chunks * (double) oversample));
            return new BinaryKnnQuery(luceneField, spec, prepared, queryBits, chunks, shortlist, Math.max(chunks, beam), rescore, chunkFilter, minScore);
        }, k, chunksPerParent, parents, luceneField);
    }

    /**
     * A field inside a {@code nested} object lives in hidden child documents, which OpenSearch removes from a top-level
     * query's hits: without a {@code nested} query around it, {@code binary_knn} would find the nearest children and
     * return nothing. Refuse that with the query to write instead.
     */
    private void checkNestedScope(QueryShardContext context, String luceneField) {
        String nestedPath = null;
        for (int dot = luceneField.lastIndexOf('.'); dot > 0 && nestedPath == null; dot = luceneField.lastIndexOf('.', dot - 1)) {
            ObjectMapper parent = context.getObjectMapper(luceneField.substring(0, dot));
            if (parent != null && parent.nested().isNested()) {
                nestedPath = parent.fullPath();
            }
        }
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
        builder.field("oversample", oversample);
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

    static BinaryKnnQueryBuilder fromXContent(XContentParser parser, QueryServices services, String where) throws IOException {
        String field = null, queryText = null, model = null, queryName = null;
        float[] vector = null;
        Object bits = null;
        int k = DEFAULT_K;
        Integer numCandidates = null;
        Float oversample = null;
        float boost = DEFAULT_BOOST;
        boolean rescore = true;
        QueryBuilder filter = null;
        Float minScore = null;
        int chunksPerParent = 1;
        String current = null;
        XContentParser.Token token;
        while ((token = nextToken(parser, where)) != XContentParser.Token.END_OBJECT) {
            if (token == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
                continue;
            }
            try {
                switch (current) {
                    case "field" -> field = string(parser, where, current);
                    case "query_text" -> queryText = string(parser, where, current);
                    case "model" -> model = string(parser, where, current);
                    case "_name" -> queryName = string(parser, where, current);
                    case "vector" -> vector = floats(parser, where);
                    case "bits" -> bits = bitsValue(parser, where);
                    case "k" -> k = parser.intValue(false);
                    case "num_candidates" -> numCandidates = parser.intValue(false);
                    case "oversample" -> oversample = parser.floatValue(false);
                    case "rescore" -> rescore = parser.booleanValue();
                    case "min_score" -> minScore = parser.floatValue(false);
                    case "boost" -> boost = parser.floatValue(false);
                    case "filter" -> filter = innerQuery(parser, current);
                    case "chunks_per_parent" -> chunksPerParent = parser.intValue(false);
                    case null -> throw new ParsingException(parser.getTokenLocation(), "[" + where + "] malformed query");
                    default -> throw new ParsingException(
                        parser.getTokenLocation(),
                        "[" + where + "] unknown parameter [" + current + "]; expected one of field, query_text, vector, bits, model, k, "
                            + "num_candidates, oversample, rescore, filter, min_score, chunks_per_parent, boost, _name"
                    );
                }
            } catch (IllegalArgumentException | IOException e) {
                // IOException: the JSON parser's own errors (a number beyond int, null or an array where a number
                // belongs) do not say which parameter they are about
                throw new ParsingException(parser.getTokenLocation(), "[" + where + "] bad value for [" + current + "]: " + e.getMessage(), e);
            }
        }
        if (oversample == null) { // the default follows a lowered cap instead of failing every request that omits it
            oversample = Math.min(DEFAULT_OVERSAMPLE, limitsOf(services).maxOversample());
        }
        BinaryKnnQueryBuilder b = new BinaryKnnQueryBuilder(services, field, queryText, vector, bits, model, k, numCandidates, oversample, rescore, filter, minScore, null, null, null);
        b.chunksPerParent = chunksPerParent;
        b.validate(parser, where);
        b.boost(boost);
        b.queryName(queryName);
        return b;
    }

    private QueryLimits limits() {
        return limitsOf(services);
    }

    static QueryLimits limitsOf(QueryServices services) {
        return services == null ? QueryLimits.DEFAULTS : services.limits();
    }

    private void validate(XContentParser parser, String where) {
        QueryLimits limits = limits();
        String problem = null;
        int inputs = (queryText != null ? 1 : 0) + (vector != null ? 1 : 0) + (bits != null ? 1 : 0);
        if (field == null) {
            problem = "[field] is required";
        } else if (inputs != 1) {
            problem = "exactly one of [query_text], [vector] or [bits] is required, got " + (inputs == 0 ? "none" : inputs);
        } else if (queryText != null && queryText.isBlank()) {
            problem = "[query_text] must not be empty";
        } else if (model != null && queryText == null) {
            problem = "[model] only applies to [query_text]";
        } else if (k < 1 || k > limits.maxK()) {
            problem = "[k] must be between 1 and " + limits.maxK() + " (" + QueryLimits.MAX_K.getKey() + "), got [" + k + "]";
        } else if (Float.isNaN(oversample) || oversample < 1 || oversample > limits.maxOversample()) {
            problem = "[oversample] must be between 1 and " + limits.maxOversample() + " (" + QueryLimits.MAX_OVERSAMPLE.getKey()
                + "), got [" + oversample + "]";
        } else if (numCandidates != null && (numCandidates < k || numCandidates > limits.maxNumCandidates())) {
            problem = "[num_candidates] must be between [k] (" + k + ") and " + limits.maxNumCandidates() + " ("
                + QueryLimits.MAX_NUM_CANDIDATES.getKey() + "), got [" + numCandidates + "]";
        } else if (minScore != null && (Float.isFinite(minScore) == false || minScore < 0)) {
            problem = "[min_score] must be a non-negative number, got [" + minScore + "]";
        } else if (chunksPerParent < 1 || chunksPerParent > ParentDiversifiedKnnQuery.MAX_CHUNKS_PER_PARENT) {
            problem = "[chunks_per_parent] must be between 1 and " + ParentDiversifiedKnnQuery.MAX_CHUNKS_PER_PARENT + ", got [" + chunksPerParent + "]";
        }
        if (problem != null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + where + "] " + problem);
        }
    }

    /**
     * The next token; a JSON syntax error (a bare NaN or Infinity, which JSON does not allow) names the member it is in,
     * where the parser's own message only gives line and column. The JSON parser reads a member's value together with
     * its name, so the error comes from the call that would return the name, and the name is already known.
     */
    static XContentParser.Token nextToken(XContentParser parser, String where) throws IOException {
        try {
            return parser.nextToken();
        } catch (IOException e) {
            String member = parser.currentName();
            if (member == null) {
                throw e;
            }
            throw new ParsingException(parser.getTokenLocation(), "[" + where + "] bad value for [" + member + "]: " + e.getMessage(), e);
        }
    }

    /** A query-valued parameter; the core parser's error for a non-object ("[_na] query malformed") names no parameter. */
    static QueryBuilder innerQuery(XContentParser parser, String name) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
            throw new IllegalArgumentException("[" + name + "] must be a query object, got " + parser.currentToken());
        }
        return parseInnerQueryBuilder(parser);
    }

    static String string(XContentParser parser, String where, String name) throws IOException {
        if (parser.currentToken() != XContentParser.Token.VALUE_STRING) {
            throw new IllegalArgumentException("[" + name + "] must be a string, got " + parser.currentToken());
        }
        return parser.text();
    }

    private static float[] floats(XContentParser parser, String where) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
            throw new IllegalArgumentException("[vector] must be an array of numbers, got " + parser.currentToken());
        }
        List<Float> values = new ArrayList<>();
        for (XContentParser.Token t = parser.nextToken(); t != XContentParser.Token.END_ARRAY; t = parser.nextToken()) {
            if (t != XContentParser.Token.VALUE_NUMBER) {
                throw new IllegalArgumentException("[vector] must be an array of numbers, got " + t + " at position " + values.size());
            }
            if (values.size() == BinaryEmbeddingSpec.MAX_DIMS) {
                throw new IllegalArgumentException("[vector] has more than " + BinaryEmbeddingSpec.MAX_DIMS + " values");
            }
            float f = parser.floatValue();
            if (Float.isFinite(f) == false) {
                throw new IllegalArgumentException("[vector] must hold finite numbers, got [" + f + "] at position " + values.size());
            }
            values.add(f);
        }
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        return v;
    }

    private static Object bitsValue(XContentParser parser, String where) throws IOException {
        if (parser.currentToken() == XContentParser.Token.VALUE_STRING) {
            return parser.text();
        }
        if (parser.currentToken() == XContentParser.Token.START_ARRAY) {
            List<Integer> out = new ArrayList<>();
            for (XContentParser.Token t = parser.nextToken(); t != XContentParser.Token.END_ARRAY; t = parser.nextToken()) {
                if (t != XContentParser.Token.VALUE_NUMBER || out.size() > BinaryEmbeddingSpec.MAX_DIMS / 8) {
                    throw new IllegalArgumentException("[bits] must be a hex or base64 string or an array of signed bytes");
                }
                out.add(parser.intValue(false));
            }
            return out;
        }
        throw new IllegalArgumentException("[bits] must be a hex or base64 string or an array of signed bytes, got " + parser.currentToken());
    }

    @Override
    protected boolean doEquals(BinaryKnnQueryBuilder o) {
        return field.equals(o.field) && Objects.equals(queryText, o.queryText) && Arrays.equals(vector, o.vector)
            && Objects.equals(bits, o.bits) && Objects.equals(model, o.model) && k == o.k && Objects.equals(numCandidates, o.numCandidates)
            && oversample == o.oversample && rescore == o.rescore && Objects.equals(filter, o.filter) && Objects.equals(minScore, o.minScore)
            && Arrays.equals(encoded, o.encoded) && pendingEncoding == o.pendingEncoding && Objects.equals(aliasFilters, o.aliasFilters)
            && chunksPerParent == o.chunksPerParent;
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(field, queryText, Arrays.hashCode(vector), bits, model, k, numCandidates, oversample, rescore, filter, minScore, Arrays.hashCode(encoded), aliasFilters, chunksPerParent);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
