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
 * are left as they are. Not meant to be written by users.
 */
public final class VectorScoresRescorerBuilder extends RescorerBuilder<VectorScoresRescorerBuilder> {

    public static final String NAME = "binary_hybrid_vector_scores";

    /** binary_hybrid's vector query, encoded: scored on the shard with its filters, restricted to the top keyword hits. */
    private final BinaryKnnQueryBuilder vector;

    VectorScoresRescorerBuilder(BinaryKnnQueryBuilder vector) {
        this.vector = Objects.requireNonNull(vector);
    }

    public VectorScoresRescorerBuilder(StreamInput in) throws IOException {
        super(in);
        this.vector = (BinaryKnnQueryBuilder) in.readNamedWriteable(QueryBuilder.class);
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeNamedWriteable(vector);
    }

    public static VectorScoresRescorerBuilder fromXContent(XContentParser parser) {
        throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] is used by [binary_hybrid] and cannot be sent in a request");
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME).field("vector", vector).endObject();
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
        VectorScoresRescorerBuilder b = new VectorScoresRescorerBuilder((BinaryKnnQueryBuilder) rewritten);
        return windowSize() == null ? b : b.windowSize(windowSize());
    }

    @Override
    protected RescoreContext innerBuildContext(int windowSize, QueryShardContext context) {
        return new VectorScoresRescorer.Context(windowSize, vector, context);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && vector.equals(((VectorScoresRescorerBuilder) o).vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), vector);
    }
}
