package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.opensearch.common.lucene.search.Queries;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.IdFieldMapper;
import org.opensearch.index.mapper.Uid;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryShardContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a {@code binary_hybrid} query becomes after the coordinating node fused its candidates: documents named by
 * index and id with their fused scores. Not meant to be written by users.
 */
public final class FusedHitsQueryBuilder extends AbstractQueryBuilder<FusedHitsQueryBuilder> {

    public static final String NAME = "binary_fused_hits";

    private final List<Fusion.Fused> hits;
    /** The binary_hybrid's keyword query: not matched again, only offered to highlighters (null: none). */
    private final QueryBuilder keyword;

    FusedHitsQueryBuilder(List<Fusion.Fused> hits, QueryBuilder keyword) {
        this.hits = List.copyOf(hits);
        this.keyword = keyword;
    }

    public FusedHitsQueryBuilder(StreamInput in) throws IOException {
        super(in);
        int n = in.readVInt();
        List<Fusion.Fused> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(new Fusion.Fused(in.readString(), in.readString(), in.readFloat(), in.readOptionalFloat(), in.readVInt(), in.readOptionalFloat(), in.readVInt(), in.readString(), in.readFloat(), in.readFloat()));
        }
        this.hits = list;
        this.keyword = in.readOptionalNamedWriteable(QueryBuilder.class);
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeVInt(hits.size());
        for (Fusion.Fused f : hits) {
            out.writeString(f.index());
            out.writeString(f.id());
            out.writeFloat(f.score());
            out.writeOptionalFloat(f.keywordScore());
            out.writeVInt(f.keywordRank());
            out.writeOptionalFloat(f.vectorScore());
            out.writeVInt(f.vectorRank());
            out.writeString(f.how());
            out.writeFloat(f.keywordPart());
            out.writeFloat(f.vectorPart());
        }
        out.writeOptionalNamedWriteable(keyword);
    }

    @Override
    protected org.opensearch.index.query.QueryBuilder doRewrite(org.opensearch.index.query.QueryRewriteContext context) throws IOException {
        QueryBuilder k = keyword == null ? null : keyword.rewrite(context);
        if (k == keyword) {
            return this;
        }
        FusedHitsQueryBuilder b = new FusedHitsQueryBuilder(hits, k);
        b.boost(boost).queryName(queryName);
        return b;
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        if (context.nestedScope().getObjectMapper() != null) {
            // the fused hits are root documents; inside a nested query they would be matched as children: no hits at all
            throw new IllegalArgumentException(
                "[" + BinaryHybridQueryBuilder.NAME + "] cannot run inside a [nested] query (its hits are whole documents); put the nested "
                    + "query inside its [keyword] part or its [vector.filter] instead"
            );
        }
        String index = context.index().getName();
        List<Fusion.Fused> mine = hits.stream().filter(f -> f.index().equals(index)).toList();
        if (mine.isEmpty()) {
            return new MatchNoDocsQuery("no fused hits in this index");
        }
        // Nested objects are indexed as hidden Lucene documents in front of their root document, and each carries the
        // root's _id; the fused hits are root documents, so only a root document may stand for an _id.
        Query roots = context.getMapperService().hasNested() ? Queries.newNonNestedFilter() : null;
        // highlighting without highlight_query looks for the terms of the main query: give it the keyword part's
        Query keywordQuery = keyword == null ? null : keyword.toQuery(context);
        return new ByIdQuery(mine, roots, keywordQuery);
    }

    /** Finds the fused documents by _id (their root document) in the reader it is rewritten against. */
    static final class ByIdQuery extends Query {
        private final List<Fusion.Fused> hits;
        private final Query roots; // null: the index has no nested documents
        private final Query keyword; // for highlighters only

        ByIdQuery(List<Fusion.Fused> hits, Query roots, Query keyword) {
            this.hits = hits;
            this.roots = roots;
            this.keyword = keyword;
        }

        @Override
        public Query rewrite(IndexSearcher searcher) throws IOException {
            List<Integer> docs = new ArrayList<>();
            List<Fusion.Fused> found = new ArrayList<>();
            Weight rootWeight = roots == null ? null : searcher.createWeight(searcher.rewrite(roots), ScoreMode.COMPLETE_NO_SCORES, 1f);
            for (Fusion.Fused f : hits) {
                BytesRef term = Uid.encodeId(f.id());
                for (LeafReaderContext ctx : searcher.getIndexReader().leaves()) {
                    int doc = liveDoc(ctx, term, rootWeight);
                    if (doc >= 0) {
                        docs.add(ctx.docBase + doc);
                        found.add(f);
                        break;
                    }
                }
            }
            if (docs.isEmpty()) {
                return new MatchNoDocsQuery("fused hits were deleted");
            }
            int[] d = docs.stream().mapToInt(Integer::intValue).toArray();
            float[] s = new float[d.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = found.get(i).score();
            }
            return new FixedScoresQuery(searcher.getIndexReader().getContext(), d, s, (i, score) -> Fusion.explain(found.get(i)), "binary_hybrid", keyword);
        }

        private static int liveDoc(LeafReaderContext ctx, BytesRef term, Weight rootWeight) throws IOException {
            Terms terms = ctx.reader().terms(IdFieldMapper.NAME);
            if (terms == null) {
                return -1;
            }
            TermsEnum te = terms.iterator();
            if (te.seekExact(term) == false) {
                return -1;
            }
            Bits live = ctx.reader().getLiveDocs();
            DocIdSetIterator rootDocs = null;
            if (rootWeight != null) {
                Scorer s = rootWeight.scorer(ctx);
                if (s == null) {
                    return -1;
                }
                rootDocs = s.iterator();
            }
            PostingsEnum pe = te.postings(null, PostingsEnum.NONE);
            for (int doc = pe.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = pe.nextDoc()) {
                if (live != null && live.get(doc) == false) {
                    continue;
                }
                if (rootDocs != null && rootDocs.docID() < doc) {
                    rootDocs.advance(doc);
                }
                if (rootDocs == null || rootDocs.docID() == doc) {
                    return doc;
                }
            }
            return -1;
        }

        @Override
        public void visit(QueryVisitor visitor) {
            visitor.visitLeaf(this);
            if (keyword != null) {
                keyword.visit(visitor.getSubVisitor(BooleanClause.Occur.SHOULD, this));
            }
        }

        @Override
        public String toString(String field) {
            return "binary_hybrid(" + hits.size() + " fused hits)";
        }

        @Override
        public boolean equals(Object o) {
            return sameClassAs(o) && hits.equals(((ByIdQuery) o).hits) && Objects.equals(roots, ((ByIdQuery) o).roots);
        }

        @Override
        public int hashCode() {
            return Objects.hash(classHash(), hits, roots);
        }
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME).startArray("hits");
        for (Fusion.Fused f : hits) {
            builder.startObject().field("_index", f.index()).field("_id", f.id()).field("score", f.score()).endObject();
        }
        builder.endArray();
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static FusedHitsQueryBuilder fromXContent(XContentParser parser) {
        throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] is produced by [binary_hybrid] and cannot be sent in a request");
    }

    @Override
    protected boolean doEquals(FusedHitsQueryBuilder other) {
        return hits.equals(other.hits) && java.util.Objects.equals(keyword, other.keyword);
    }

    @Override
    protected int doHashCode() {
        return hits.hashCode();
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
