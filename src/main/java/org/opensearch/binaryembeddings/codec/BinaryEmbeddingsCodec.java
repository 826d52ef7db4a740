package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;

import java.util.function.Function;

/**
 * The index codec of indices that hold {@code binary_embedding} fields: the node's codec with two changes, a per-field
 * vector format that sends those fields to {@link BinaryHnswVectorsFormat}, and stored fields that keep the vectors of
 * derived-source fields out of the stored source documents and put them back on read
 * ({@link DerivedSourceStoredFieldsFormat}).
 *
 * <p>Written segments name this codec; when Lucene reopens them it creates it through SPI with the no-argument
 * constructor. That instance never chooses formats: readers resolve each field's vector format by the name recorded
 * in the field's attributes, and the delegate's other formats read their own mode from segment attributes.
 */
public final class BinaryEmbeddingsCodec extends FilterCodec {

    public static final String NAME = "BinaryEmbeddings104";

    private final KnnVectorsFormat vectors;
    private final StoredFieldsFormat storedFields;

    /** For SPI (reading). */
    public BinaryEmbeddingsCodec() {
        this(new Lucene104Codec(), field -> null);
    }

    /**
     * @param delegate  the codec the node would use otherwise
     * @param formatFor the format of a field, or null for fields that are not ours
     */
    public BinaryEmbeddingsCodec(Codec delegate, Function<String, KnnVectorsFormat> formatFor) {
        super(NAME, delegate);
        KnnVectorsFormat fallback = new Lucene99HnswVectorsFormat();
        this.vectors = new PerFieldKnnVectorsFormat() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                KnnVectorsFormat ours = formatFor.apply(field);
                return ours != null ? ours : fallback;
            }
        };
        this.storedFields = new DerivedSourceStoredFieldsFormat(delegate.storedFieldsFormat(), () -> vectors);
    }

    @Override
    public KnnVectorsFormat knnVectorsFormat() {
        return vectors;
    }

    @Override
    public StoredFieldsFormat storedFieldsFormat() {
        return storedFields;
    }
}
