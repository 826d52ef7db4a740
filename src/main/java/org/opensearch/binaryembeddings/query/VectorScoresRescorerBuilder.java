package org.opensearch.binaryembeddings.query;

import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.search.rescore.RescoreContext;
import org.opensearch.search.rescore.RescorerBuilder;

import java.io.IOException;
import java.util.Objects;

/**
 * What {@code binary_hybrid} adds to its keyword search: on each shard, the full-precision vector score of the
 * shard's top keyword hits, computed where the documents are, in the same round as the keyword scores
 * ({@link VectorScoresRescorer}; the hits carry them to the coordinating node, {@link VectorScoresFetchSubPhase}).
 * Before, the keyword candidates the vector list missed were scored by a third search. The keyword scores and order
 * are left as they are; the hits below the window on their shard (and not tied with it) are dropped, so they are not
 * fetched. Not meant to be written by users.
 */
public final class VectorScoresRescorerBuilder extends RescorerBuilder<VectorScoresRescorerBuilder> {

    public static final String NAME = "binary_hybrid_vector_scores";

    /** binary_hybrid's vector query, encoded: scored on the shard with its filters, restricted to the top keyword hits. */
    private final BinaryKnnQueryBuilder vector;
    /**
     * binary_hybrid's window: each shard returns only its top {@code cut} keyword hits and those tied with the last of
     * them (0: all of the rescore window). A hit below that on its shard has {@code cut} hits of a higher score on the
     * same shard, so it cannot be among the {@code cut} best overall: fetching it (its {@code _id}) was wasted.
     */
    private final int cut;
    /**
     * The length of binary_hybrid's vector list (0: none), when the search has one shard: the shard then also runs the
     * vector search and returns its hits after the keyword hits, so that one search brings both lists and each
     * document's {@code _id} is loaded once ({@link VectorScoresRescorer}).
     */
    private final int vectorList;

    VectorScoresRescorerBuilder(BinaryKnnQueryBuilder vector, int cut) {
        this(vector, cut, 0);
    }

    VectorScoresRescorerBuilder(BinaryKnnQueryBuilder vector, int cut, int vectorList) {
        this.vector = Objects.requireNonNull(vector);
        if (cut < 0 || vectorList < 0) {
            throw new IllegalArgumentException("cut and vectorList must not be negative, got [" + cut + "], [" + vectorList + "]");
        }
        this.cut = cut;
        this.vectorList = vectorList;
    }

    public VectorScoresRescorerBuilder(StreamInput in) throws IOException {
        super(in);
        this.vector = (BinaryKnnQueryBuilder) in.readNamedWriteable(QueryBuilder.class);
        // from an older node: no cut, the shard returns the whole window as that node expects
        this.cut = in.getVersion().onOrAfter(StreamVersions.HYBRID_KEYWORD_CUT) ? in.readVInt() : 0;
        this.vectorList = in.getVersion().onOrAfter(StreamVersions.HYBRID_VECTOR_LIST) ? in.readVInt() : 0;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeNamedWriteable(vector);
        if (out.getVersion().onOrAfter(StreamVersions.HYBRID_KEYWORD_CUT)) {
            out.writeVInt(cut); // an older node returns (and fetches) the whole window: slower, the same result
        }
        if (out.getVersion().onOrAfter(StreamVersions.HYBRID_VECTOR_LIST)) {
            out.writeVInt(vectorList); // an older node returns no vector list: binary_hybrid then runs the vector search
        }
    }

    int cut() {
        return cut;
    }

    int vectorList() {
        return vectorList;
    }

    public static VectorScoresRescorerBuilder fromXContent(XContentParser parser) {
        throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] is used by [binary_hybrid] and cannot be sent in a request");
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME).field("vector", vector).field("cut", cut).field("vector_list", vectorList).endObject();
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public RescorerBuilder<VectorScoresRescorerBuilder> rewrite(QueryRewriteContext ctx) throws IOException {
        QueryBuilder rewritten = vector.rewrite(ctx);
        if (rewritten == vector) {
            return this;
        }
        VectorScoresRescorerBuilder b = new VectorScoresRescorerBuilder((BinaryKnnQueryBuilder) rewritten, cut, vectorList);
        return windowSize() == null ? b : b.windowSize(windowSize());
    }

    @Override
    protected RescoreContext innerBuildContext(int windowSize, QueryShardContext context) {
        return new VectorScoresRescorer.Context(windowSize, cut, vectorList, vector, context);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && vector.equals(((VectorScoresRescorerBuilder) o).vector) && cut == ((VectorScoresRescorerBuilder) o).cut
            && vectorList == ((VectorScoresRescorerBuilder) o).vectorList;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), vector, cut, vectorList);
    }
}
