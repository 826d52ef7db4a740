package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Weight;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.search.join.ToChildBlockJoinQuery;
import org.apache.lucene.util.BitSet;
import org.opensearch.common.lucene.search.Queries;
import org.opensearch.index.mapper.ObjectMapper;
import org.opensearch.index.query.QueryShardContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * {@code binary_knn} on a vector field inside {@code nested} objects (the chunks of long documents): {@code k} counts
 * parent documents, not chunks. The chunk search ({@link BinaryKnnQuery}) is asked for more chunks until its hits hold
 * {@code k} distinct parents or it has no more to give; the shard then keeps the {@code k} parents with the best chunks
 * and, of each, its best {@code chunksPerParent} chunks. The {@code nested} query around it scores each parent from
 * those chunks ({@code score_mode} {@code max}: the best chunk; the default {@code avg}: their mean, the best chunk when
 * {@code chunksPerParent} is 1), and its {@code inner_hits} are those chunks.
 * <p>
 * As Lucene's {@code DiversifyingChildren*KnnVectorQuery}, a chunk's parent is the next document of the nested scope's
 * parent filter (nested documents are indexed right before their parent). The diversification is done on the shard's
 * rescored hits rather than inside the graph walk, so the walk itself is the plain chunk search.
 */
final class ParentDiversifiedKnnQuery extends Query {

    /** Chunks asked for at most, however many chunks the top parents have: beyond it the parents found are kept. */
    static final int MAX_CHUNKS = 10_000;
    /** Most chunks of one parent a query may keep ({@code chunks_per_parent}). */
    static final int MAX_CHUNKS_PER_PARENT = 100;

    private final IntFunction<Query> chunkSearch; // the chunk query asking for that many chunks
    private final int k;
    private final int chunksPerParent;
    private final BitSetProducer parents;
    private final String field;

    ParentDiversifiedKnnQuery(IntFunction<Query> chunkSearch, int k, int chunksPerParent, BitSetProducer parents, String field) {
        this.chunkSearch = chunkSearch;
        this.k = k;
        this.chunksPerParent = chunksPerParent;
        this.parents = parents;
        this.field = field;
    }

    /**
     * The filter of a nested {@code binary_knn}: it is about the parent documents (a category, a date, a tenant), as in
     * the k-NN plugin's nested fields: a chunk passes when its parent matches {@code filter}. So the filter shapes the
     * chunk search rather than dropping parents after the top k were chosen, and a negative filter ({@code must_not})
     * means what it says ({@code parentsQuery} matches exactly the parent documents of {@code parents}).
     */
    static Query parentFilter(Query filter, Query parentsQuery, BitSetProducer parents) {
        Query parentMatches = new BooleanQuery.Builder().add(filter, BooleanClause.Occur.FILTER)
            .add(parentsQuery, BooleanClause.Occur.FILTER)
            .build();
        return new ToChildBlockJoinQuery(parentMatches, parents);
    }

    /**
     * The documents the nested scope's objects belong to, as the enclosing {@code nested} query chose its parent filter
     * (the bits of {@code context.getParentFilter()}): the next scope out, else the top-level documents.
     */
    static Query parentsQuery(QueryShardContext context) {
        ObjectMapper current = context.nestedScope().previousLevel();
        try {
            ObjectMapper outer = context.nestedScope().getObjectMapper();
            return outer == null ? Queries.newNonNestedFilter() : outer.nestedTypeFilter();
        } finally {
            context.nestedScope().nextLevel(current);
        }
    }

    private record Chunk(int doc, float score, int parent) {}

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        int asked = Math.min(MAX_CHUNKS, Math.max(k * chunksPerParent, 2 * k));
        while (true) {
            Query rewritten = searcher.rewrite(chunkSearch.apply(asked));
            if (!(rewritten instanceof FixedScoresQuery found)) {
                return new MatchNoDocsQuery("no binary_knn results");
            }
            List<Chunk> chunks = withParents(found, leaves);
            long distinct = chunks.stream().mapToInt(Chunk::parent).distinct().count();
            // enough parents, or the chunk search gave all it has (fewer than asked), or the cap: keep what was found
            if (distinct >= k || chunks.size() < asked || asked >= MAX_CHUNKS) {
                return select(searcher, found, chunks);
            }
            asked = (int) Math.min(MAX_CHUNKS, asked * 4L);
        }
    }

    private List<Chunk> withParents(FixedScoresQuery found, List<LeafReaderContext> leaves) throws IOException {
        int[] docs = found.docs();
        float[] scores = found.scores();
        List<Chunk> out = new ArrayList<>(docs.length);
        Map<Integer, BitSet> parentBits = new HashMap<>();
        for (int i = 0; i < docs.length; i++) {
            int leaf = ReaderUtil.subIndex(docs[i], leaves);
            LeafReaderContext ctx = leaves.get(leaf);
            BitSet bits = parentBits.get(leaf);
            if (bits == null) {
                bits = parents.getBitSet(ctx);
                if (bits == null) {
                    continue; // a segment without parents has no nested documents either
                }
                parentBits.put(leaf, bits);
            }
            int local = docs[i] - ctx.docBase;
            if (bits.get(local)) {
                continue; // a parent itself is not a chunk (cannot happen with the nested scope's field)
            }
            int parent = bits.nextSetBit(local);
            if (parent == org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS) {
                continue;
            }
            out.add(new Chunk(docs[i], scores[i], ctx.docBase + parent));
        }
        out.sort(Comparator.comparingDouble((Chunk c) -> -c.score()).thenComparingInt(Chunk::doc));
        return out;
    }

    /** The best {@code k} parents by their best chunk (ties: lower parent doc), with their best chunks. */
    private Query select(IndexSearcher searcher, FixedScoresQuery found, List<Chunk> byScore) throws IOException {
        Map<Integer, Integer> taken = new HashMap<>(); // parent → chunks kept
        List<Chunk> kept = new ArrayList<>();
        for (Chunk c : byScore) {
            Integer n = taken.get(c.parent());
            if (n == null) {
                if (taken.size() == k) {
                    continue; // the k parents are chosen: a new parent's chunks are out
                }
                n = 0;
            }
            if (n < chunksPerParent) {
                taken.put(c.parent(), n + 1);
                kept.add(c);
            }
        }
        if (kept.isEmpty()) {
            return new MatchNoDocsQuery("no binary_knn results");
        }
        int[] docs = new int[kept.size()];
        float[] scores = new float[kept.size()];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = kept.get(i).doc();
            scores[i] = kept.get(i).score();
        }
        Weight chunkWeight = searcher.createWeight(found, ScoreMode.COMPLETE, 1f);
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        Map<Integer, Integer> rankOfParent = new HashMap<>();
        for (Chunk c : kept) {
            rankOfParent.putIfAbsent(c.parent(), rankOfParent.size() + 1);
        }
        return new FixedScoresQuery(searcher.getIndexReader().getContext(), docs, scores, (i, score) -> {
            Chunk c = kept.get(i);
            LeafReaderContext ctx = leaves.get(ReaderUtil.subIndex(c.doc(), leaves));
            try {
                return Explanation.match(
                    score,
                    "chunk of parent document rank " + rankOfParent.get(c.parent()) + " of " + k + " (parents ranked by their best chunk on ["
                        + field + "], " + chunksPerParent + " best chunk(s) each)",
                    chunkWeight.explain(ctx, c.doc() - ctx.docBase)
                );
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "binary_knn");
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(field)) {
            visitor.visitLeaf(this);
        }
    }

    @Override
    public String toString(String f) {
        return "binary_knn_parents(k=" + k + ", chunks_per_parent=" + chunksPerParent + ", " + chunkSearch.apply(k) + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (sameClassAs(o) == false) {
            return false;
        }
        ParentDiversifiedKnnQuery q = (ParentDiversifiedKnnQuery) o;
        return k == q.k && chunksPerParent == q.chunksPerParent && parents.equals(q.parents) && chunkSearch.apply(k).equals(q.chunkSearch.apply(q.k));
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), k, chunksPerParent, parents, chunkSearch.apply(k));
    }

    /** Unused by rewriting but required: the query never reaches a searcher un-rewritten. */
    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        return searcher.rewrite(this).createWeight(searcher, scoreMode, boost);
    }
}
