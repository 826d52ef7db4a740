package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;

import java.util.HashMap;
import java.util.Objects;

/**
 * What {@link BinaryHnswVectorsFormat} stores for one field, read from the field's attributes at index time and from
 * the segment's meta file at search time.
 *
 * <p>The mapper puts three attributes on the Lucene field type; a missing attribute takes its default:
 * <table>
 *   <caption>field attributes</caption>
 *   <tr><th>attribute</th><th>values</th><th>default</th></tr>
 *   <tr><td>{@value #BINARY_DIMS_ATTRIBUTE}</td><td>number of leading dims binarized, a multiple of 8</td>
 *       <td>float field: dims rounded <em>up</em> to a multiple of 8 (the padding bits are 0; rounding down would
 *       leave nothing of a vector of fewer than 8 dims); byte field: 8 × dims</td></tr>
 *   <tr><td>{@value #SIMILARITY_ATTRIBUTE}</td><td>{@code hamming} | {@code jaccard}</td><td>{@code hamming}</td></tr>
 *   <tr><td>{@value #RESCORE_PRECISION_ATTRIBUTE}</td><td>{@code float32} | {@code int8} | {@code none}</td>
 *       <td>{@code float32}</td></tr>
 * </table>
 *
 * <p>A float field (a {@code KnnFloatVectorField} of the truncated vector, with the rescoring similarity) keeps its
 * values for rescoring in float32 or int8 and gets its bits from {@link SignBits}; {@code none} is refused for it. A
 * byte field (a {@code KnnByteVectorField} whose bytes are the packed bits) must have 8 × dims = binary dims; it
 * stores no rescoring values whatever the precision attribute says, so its {@link #rescorePrecision()} is
 * {@link RescorePrecision#NONE} and its {@link #rescoreSimilarity()} is null.
 *
 * @param dimension the Lucene field's dimension (floats, or bytes of packed bits)
 * @param encoding the Lucene field's encoding
 * @param binaryDims number of bits in the graph's vectors
 * @param bitSimilarity the graph's similarity
 * @param rescorePrecision how the rescoring values are stored
 * @param rescoreSimilarity the similarity of the rescoring values (the float field's own), null without them
 * @param graphCodes what the graph is built over: {@link GraphCodes#CENTRED} for the float fields of format version 1,
 *     {@link GraphCodes#SIGN_BITS} for byte fields and for every field of version 0
 */
public record BinaryFieldConfig(
    int dimension,
    VectorEncoding encoding,
    int binaryDims,
    BitSimilarity bitSimilarity,
    RescorePrecision rescorePrecision,
    VectorSimilarityFunction rescoreSimilarity,
    GraphCodes graphCodes
) {

    /** Field attribute: number of leading dimensions binarized (a multiple of 8). */
    public static final String BINARY_DIMS_ATTRIBUTE = "binary_embeddings.binary_dims";
    /** Field attribute: {@code hamming} or {@code jaccard}. */
    public static final String SIMILARITY_ATTRIBUTE = "binary_embeddings.similarity";
    /** Field attribute: {@code float32}, {@code int8} or {@code none}. */
    public static final String RESCORE_PRECISION_ATTRIBUTE = "binary_embeddings.rescore_precision";

    public BinaryFieldConfig {
        Objects.requireNonNull(encoding);
        Objects.requireNonNull(bitSimilarity);
        Objects.requireNonNull(rescorePrecision);
        Objects.requireNonNull(graphCodes);
        SignBits.byteLength(binaryDims);
        if (encoding == VectorEncoding.BYTE) {
            if (binaryDims != dimension * Byte.SIZE) {
                throw new IllegalArgumentException(
                    "a byte field holds packed bits: binary dims must be 8 × dims = " + dimension * Byte.SIZE + ", got " + binaryDims
                );
            }
            if (rescorePrecision != RescorePrecision.NONE || rescoreSimilarity != null) {
                throw new IllegalArgumentException("a byte field of packed bits has no rescoring values");
            }
            if (graphCodes != GraphCodes.SIGN_BITS) {
                throw new IllegalArgumentException("a byte field of packed bits has no values to centre: its graph is over its bits");
            }
        } else {
            if (binaryDims > roundUpToByte(dimension)) {
                throw new IllegalArgumentException("binary dims " + binaryDims + " exceed the field's " + dimension + " dims");
            }
            if (rescorePrecision == RescorePrecision.NONE) {
                throw new IllegalArgumentException(
                    "rescore precision none needs a byte field of packed bits; a float field is stored as float32 or int8"
                );
            }
            Objects.requireNonNull(rescoreSimilarity);
        }
    }

    /**
     * A configuration as this version of the format writes it: a float field's graph over {@link GraphCodes#CENTRED
     * centred codes}, a byte field's over its bits.
     */
    public BinaryFieldConfig(
        int dimension,
        VectorEncoding encoding,
        int binaryDims,
        BitSimilarity bitSimilarity,
        RescorePrecision rescorePrecision,
        VectorSimilarityFunction rescoreSimilarity
    ) {
        this(
            dimension,
            encoding,
            binaryDims,
            bitSimilarity,
            rescorePrecision,
            rescoreSimilarity,
            encoding == VectorEncoding.FLOAT32 ? GraphCodes.CENTRED : GraphCodes.SIGN_BITS
        );
    }

    /** This configuration with its graph over {@code codes} (an index written by an earlier version of the format). */
    BinaryFieldConfig withGraphCodes(GraphCodes codes) {
        return new BinaryFieldConfig(dimension, encoding, binaryDims, bitSimilarity, rescorePrecision, rescoreSimilarity, codes);
    }

    /** The configuration a field is indexed with: its attributes, or their defaults. */
    public static BinaryFieldConfig of(FieldInfo field) {
        int dims = field.getVectorDimension();
        if (dims <= 0) {
            throw new IllegalArgumentException("field [" + field.name + "] has no vectors");
        }
        String bitsAttr = field.getAttribute(BINARY_DIMS_ATTRIBUTE);
        String simAttr = field.getAttribute(SIMILARITY_ATTRIBUTE);
        String precisionAttr = field.getAttribute(RESCORE_PRECISION_ATTRIBUTE);
        BitSimilarity similarity = simAttr == null ? BitSimilarity.HAMMING : BitSimilarity.fromAttribute(simAttr);
        try {
            if (field.getVectorEncoding() == VectorEncoding.BYTE) {
                int binaryDims = bitsAttr == null ? dims * Byte.SIZE : Integer.parseInt(bitsAttr);
                return new BinaryFieldConfig(dims, VectorEncoding.BYTE, binaryDims, similarity, RescorePrecision.NONE, null);
            }
            int binaryDims = bitsAttr == null ? roundUpToByte(dims) : Integer.parseInt(bitsAttr);
            RescorePrecision precision = precisionAttr == null ? RescorePrecision.FLOAT32 : RescorePrecision.fromAttribute(precisionAttr);
            return new BinaryFieldConfig(dims, VectorEncoding.FLOAT32, binaryDims, similarity, precision, field.getVectorSimilarityFunction());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field [" + field.name + "]: " + e.getMessage(), e);
        }
    }

    /** Bytes of one packed bit vector. */
    public int bitBytes() {
        return binaryDims / Byte.SIZE;
    }

    /** Whether full-precision values are stored for rescoring. */
    public boolean hasRescoringValues() {
        return rescorePrecision != RescorePrecision.NONE;
    }

    static int roundUpToByte(int dims) {
        return (dims + Byte.SIZE - 1) / Byte.SIZE * Byte.SIZE;
    }

    /** Bytes of one vector of the graph's flat file: the packed bits, or a centred code and its factor. */
    int graphBytes() {
        return graphCodes == GraphCodes.CENTRED ? CentredCodes.recordBytes(binaryDims) : bitBytes();
    }

    /**
     * The field as the HNSW graph and its flat file see it: a byte field of {@link #graphBytes()} dims, tagged with
     * {@link BitSimilarity#graphTag()} over sign bits or {@link GraphCodes#TAG} over centred codes; everything else as
     * in {@code field}.
     */
    FieldInfo graphFieldInfo(FieldInfo field) {
        return new FieldInfo(
            field.name,
            field.number,
            field.hasTermVectors(),
            field.omitsNorms(),
            field.hasPayloads(),
            field.getIndexOptions(),
            field.getDocValuesType(),
            field.docValuesSkipIndexType(),
            field.getDocValuesGen(),
            new HashMap<>(field.attributes()),
            field.getPointDimensionCount(),
            field.getPointIndexDimensionCount(),
            field.getPointNumBytes(),
            graphBytes(),
            VectorEncoding.BYTE,
            graphCodes == GraphCodes.CENTRED ? GraphCodes.TAG : bitSimilarity.graphTag(),
            field.isSoftDeletesField(),
            field.isParentField()
        );
    }
}
