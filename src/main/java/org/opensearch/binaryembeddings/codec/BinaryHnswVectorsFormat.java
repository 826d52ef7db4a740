package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

import java.io.IOException;

/**
 * Sign-bit HNSW vectors with full-precision rescoring values: the graph is built over packed sign bits and searched by
 * Hamming or Jaccard similarity, while the values a float field was indexed with stay on disk (memory-mapped, read
 * one record at a time) for rescoring a shortlist.
 *
 * <p>SPI name {@value #NAME}. A field's configuration comes from its attributes ({@link BinaryFieldConfig}):
 * <ul>
 *   <li>a float field ({@code KnnFloatVectorField}, similarity = the rescoring similarity): bits are
 *       {@link SignBits#pack sign bits} of its first binary_dims values; the values are kept as float32 or int8;</li>
 *   <li>a byte field ({@code KnnByteVectorField}): its bytes are the packed bits; nothing else is kept and its Lucene
 *       similarity is ignored.</li>
 * </ul>
 *
 * <p>The graph: a byte field's is built over its packed bits by their bit similarity. A float field's (since version 1)
 * is built over {@link CentredCodes}, the sign bits of each vector centred on its segment's mean with two floats a
 * vector, by the Hamming distance of the codes; queries walk it by the asymmetric estimate of a float query centred on
 * the same mean ({@link AsymmetricQuery}), or by the bit similarity of the raw sign bits for {@code rescore: false} and
 * packed-bit queries. On msmarco-5k recall@10 after rescoring 30 candidates goes from 0.940 (version 0) to 0.972, after
 * 100 from 0.982 to 0.998 (BENCHMARKS.md, "Format version 1").
 *
 * <p>Reading: {@code getByteVectorValues} gives the packed sign bits of any field, {@code getFloatVectorValues} the
 * rescoring values of a float field, and both {@code search} methods an HNSW search by bit similarity (a float query is
 * binarized with {@link SignBits}). Searches run Lucene's HNSW searcher; like Lucene's own formats, a segment too small
 * for a graph, or a filter that lets fewer docs through than the search would visit, is scanned exactly instead.
 * Queries should use {@link BinaryVectors}, which adds the filter rule, the exact scan and rescoring.
 *
 * <p>Search width: the default is {@code efSearch = max(k, 100)} candidates ({@link BinaryVectors#defaultEfSearch}).
 * With the default graph (maxConn 16, beamWidth 100) it finds this share of the exact Hamming top 10, ties counted
 * (BinaryHnswRecallTests, one segment):
 * <table>
 *   <caption>recall@10 by efSearch</caption>
 *   <tr><th>data</th><th>10</th><th>100 (default)</th><th>200</th><th>1000</th></tr>
 *   <tr><td>msmarco-5k, bge-small-en-v1.5 sign bits (384), 50 queries</td><td>0.908</td><td>0.998</td><td>1.000</td><td></td></tr>
 *   <tr><td>20k clustered random 384-bit vectors</td><td>0.893</td><td>1.000</td><td>1.000</td><td></td></tr>
 *   <tr><td>20k uniform random 384-bit vectors</td><td>0.075</td><td>0.452</td><td>0.672</td><td>0.981</td></tr>
 * </table>
 * Uniform random bits are the worst case of every graph search (Lucene's HnswBitVectorsFormat gives the same numbers):
 * the nearest neighbours are barely nearer than any other vector, and 0.95 takes a width near 700, visiting more than
 * half of the segment, where an exact scan is cheaper. Real embeddings are far from uniform (the msmarco row).
 *
 * <h2>Files</h2>
 *
 * Each file starts with {@code CodecUtil.writeIndexHeader} (codec name, version, segment id, segment suffix) and ends
 * with {@code CodecUtil.writeFooter} (checksum). Fields appear in the order they were flushed or merged.
 *
 * <table>
 *   <caption>the files of a segment</caption>
 *   <tr><th>extension</th><th>written by</th><th>holds</th></tr>
 *   <tr><td>.brm</td><td>this format</td><td>meta: each field's configuration, where its rescoring values are</td></tr>
 *   <tr><td>.brv</td><td>this format</td><td>rescoring values of the float fields (float32 or int8 records)</td></tr>
 *   <tr><td>.vemf</td><td>{@link Lucene99FlatVectorsFormat}</td><td>meta of the packed bits</td></tr>
 *   <tr><td>.vec</td><td>{@link Lucene99FlatVectorsFormat}</td><td>packed bits: binary_dims / 8 bytes a vector, in
 *       ordinal order (the data every graph hop reads)</td></tr>
 *   <tr><td>.vem</td><td>{@link Lucene99HnswVectorsFormat}</td><td>meta of the graph</td></tr>
 *   <tr><td>.vex</td><td>{@link Lucene99HnswVectorsFormat}</td><td>HNSW graph: neighbour lists per level</td></tr>
 * </table>
 *
 * <p>The packed-bits and graph files are Lucene's own, written for each field's <em>graph view</em>
 * ({@link BinaryFieldConfig#graphFieldInfo}): a BYTE field of its record's bytes whose similarity is a tag naming the
 * scoring (EUCLIDEAN = Hamming, DOT_PRODUCT = Jaccard over packed bits, see {@link BitSimilarity#graphTag}; COSINE =
 * centred codes, {@link GraphCodes#TAG}). Their layout is documented in Lucene's {@link Lucene99FlatVectorsFormat} and
 * {@link Lucene99HnswVectorsFormat}.
 *
 * <p>Integrity: the meta files' checksums are verified as they are read, and the data files' (.brv, .vec, .vex) in full
 * whenever a segment is opened, so a corrupted segment fails to open with a
 * {@code CorruptIndexException} ("checksum failed") instead of rescoring with wrong values or walking a wrong graph.
 * Lucene's own vector readers check data files only at merges and CheckIndex. The cost is one sequential read of the
 * segment's vector files per open (merges and CheckIndex still verify them too): 100,000 float32 vectors of 384 dims
 * (166 MB in the three files) take about 40 ms from the page cache on one core of the 2-core benchmark machine; from
 * disk, one sequential read of that size. A refresh opens only the new segments.
 *
 * <h3>.brm (meta)</h3>
 * Header {@value #META_CODEC_NAME}; then for each field:
 * <table>
 *   <caption>.brm field entry</caption>
 *   <tr><th>type</th><th>value</th></tr>
 *   <tr><td>int32</td><td>field number</td></tr>
 *   <tr><td>byte</td><td>vector encoding of the Lucene field (ordinal of VectorEncoding: 0 BYTE, 1 FLOAT32)</td></tr>
 *   <tr><td>vint</td><td>dimension of the Lucene field</td></tr>
 *   <tr><td>vint</td><td>binary_dims</td></tr>
 *   <tr><td>byte</td><td>bit similarity (0 hamming, 1 jaccard)</td></tr>
 *   <tr><td>byte</td><td>rescore precision (0 float32, 1 int8, 2 none)</td></tr>
 *   <tr><td>byte</td><td>version ≥ 1 only: graph codes (0 sign bits, 1 centred codes); with precision none the entry
 *       ends here</td></tr>
 *   <tr><td>int32</td><td>rescoring similarity (index in Lucene's list EUCLIDEAN, DOT_PRODUCT, COSINE,
 *       MAXIMUM_INNER_PRODUCT); must equal the field's</td></tr>
 *   <tr><td>int32</td><td>count: number of docs with a value</td></tr>
 *   <tr><td>vlong, vlong</td><td>offset and length of the field's records in .brv</td></tr>
 *   <tr><td>vlong, vlong</td><td>centred codes only: offset and length of the field's raw sign bits in .brv</td></tr>
 *   <tr><td>binary_dims × int32</td><td>centred codes only: the segment's mean the codes are centred on (float bits),
 *       which queries are centred on too</td></tr>
 *   <tr><td>…</td><td>docs with a value: as Lucene's OrdToDocDISIReaderConfiguration writes them (long -2 empty,
 *       -1 dense: ord = doc; else sparse: IndexedDISI offset/length/jump table/rank power, then the ord → doc
 *       DirectMonotonic meta, whose data is in .brv after the records)</td></tr>
 * </table>
 * then int32 -1 and the footer.
 *
 * <h3>.brv (rescoring values)</h3>
 * Header {@value #RESCORE_CODEC_NAME}; then for each float field, starting at a multiple of 4 bytes, one record per doc
 * with a value, in ordinal (= doc id) order; for centred codes, starting at a multiple of 8 bytes, the packed sign bits
 * of each value as it was given (binary_dims / 8 bytes, ordinal order: what Hamming / Jaccard scores, packed-bit
 * queries and {@code getByteVectorValues} read); then a sparse field's IndexedDISI doc set and ord → doc table:
 * <table>
 *   <caption>.brv records</caption>
 *   <tr><th>precision</th><th>record</th><th>bytes</th></tr>
 *   <tr><td>float32</td><td>dims × float32, little endian</td><td>4 × dims</td></tr>
 *   <tr><td>int8</td><td>dims × uint8 code, float32 lo, float32 step: value[i] ≈ lo + step × code[i]
 *       (lo = min, step = (max − min) / 255, error ≤ step / 2 per dimension; see {@link RescorePrecision#INT8})</td>
 *       <td>dims + 8</td></tr>
 * </table>
 * then the footer. Ordinals are the same in .vec and .brv: the graph's ordinal of a doc is its record number here.
 */
public final class BinaryHnswVectorsFormat extends KnnVectorsFormat {

    /** SPI name. */
    public static final String NAME = "BinaryEmbeddingsHnsw";

    /**
     * Largest dimension of a field: 4096 floats for a float field (as many bits at most), 4096 bytes (32,768 bits) for
     * a byte field of packed bits; the format keeps no per-dimension state, so the limit only bounds record sizes.
     */
    public static final int MAX_DIMENSIONS = 4096;

    static final String META_CODEC_NAME = "BinaryEmbeddingsHnswMeta";
    static final String RESCORE_CODEC_NAME = "BinaryEmbeddingsHnswRescore";
    static final String META_EXTENSION = "brm";
    static final String RESCORE_EXTENSION = "brv";
    /**
     * The data files whose checksums are verified when a segment is opened: the rescoring values and Lucene's packed
     * bits and graph (Lucene99FlatVectorsFormat's and Lucene99HnswVectorsFormat's names, package-private there). The
     * meta files are verified anyway as they are read.
     */
    static final String[] DATA_EXTENSIONS = { RESCORE_EXTENSION, "vec", "vex" };
    static final int VERSION_START = 0;
    /** Float fields' graphs over {@link CentredCodes}, their raw sign bits in .brv. */
    static final int VERSION_CENTRED = 1;
    static final int VERSION_CURRENT = VERSION_CENTRED;
    static final int DIRECT_MONOTONIC_BLOCK_SHIFT = 16;

    private final int maxConn;
    private final int beamWidth;
    private final int writeVersion;
    /** Lucene's flat format over the packed bits, scoring them by bit similarity. */
    private final FlatVectorsFormat bitsFormat = new Lucene99FlatVectorsFormat(BitVectorsScorer.INSTANCE);

    /** The default graph: maxConn 16, beamWidth 100. */
    public BinaryHnswVectorsFormat() {
        this(Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN, Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH);
    }

    /**
     * @param maxConn neighbours a node keeps per level (level 0 keeps twice as many), 1 to 512
     * @param beamWidth candidates tracked while inserting a node, 1 to 3200
     */
    public BinaryHnswVectorsFormat(int maxConn, int beamWidth) {
        this(maxConn, beamWidth, VERSION_CURRENT);
    }

    /**
     * A format that writes segments of an earlier version ({@link #VERSION_START}: graphs over sign bits), for tests
     * that an index written before the current version still opens, searches and merges. Reading always handles every
     * version from {@link #VERSION_START} to {@link #VERSION_CURRENT}.
     */
    BinaryHnswVectorsFormat(int maxConn, int beamWidth, int writeVersion) {
        super(NAME);
        if (writeVersion < VERSION_START || writeVersion > VERSION_CURRENT) {
            throw new IllegalArgumentException("format version must be " + VERSION_START + " to " + VERSION_CURRENT + ", got " + writeVersion);
        }
        this.writeVersion = writeVersion;
        if (maxConn <= 0 || maxConn > Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN) {
            throw new IllegalArgumentException(
                "maxConn must be positive and at most " + Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN + "; maxConn=" + maxConn
            );
        }
        if (beamWidth <= 0 || beamWidth > Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH) {
            throw new IllegalArgumentException(
                "beamWidth must be positive and at most " + Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH + "; beamWidth=" + beamWidth
            );
        }
        this.maxConn = maxConn;
        this.beamWidth = beamWidth;
    }

    @Override
    public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
        return new BinaryHnswVectorsWriter(state, maxConn, beamWidth, bitsFormat, writeVersion);
    }

    @Override
    public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
        return new BinaryHnswVectorsReader(state, bitsFormat);
    }

    @Override
    public int getMaxDimensions(String fieldName) {
        return MAX_DIMENSIONS;
    }

    @Override
    public String toString() {
        return NAME + "(maxConn=" + maxConn + ", beamWidth=" + beamWidth + ", bits=" + bitsFormat + ")";
    }
}
