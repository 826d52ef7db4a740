package org.opensearch.binaryembeddings.mapper;

import org.opensearch.binaryembeddings.common.ParamValues;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.BytesRef;
import org.opensearch.binaryembeddings.codec.BinaryFieldConfig;
import org.opensearch.binaryembeddings.codec.BitSimilarity;
import org.opensearch.binaryembeddings.codec.DerivedSourceStoredFieldsFormat;
import org.opensearch.binaryembeddings.codec.RescorePrecision;
import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.encoder.ModelPaths;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec.RescoreSimilarity;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.core.xcontent.XContentParser.Token;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.ParametrizedFieldMapper;
import org.opensearch.index.mapper.ParseContext;
import org.opensearch.index.mapper.SourceFieldMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code binary_embedding} field: takes a vector of {@code dims} numbers (or pre-packed bits), keeps the leading
 * {@code truncate_to} values (renormalized for cosine) as the Lucene vector, and tells the codec through field
 * attributes how many leading signs to pack into its Hamming graph and how to store the rescoring values.
 */
public final class BinaryEmbeddingFieldMapper extends ParametrizedFieldMapper {

    public static final String CONTENT_TYPE = "binary_embedding";

    /** The one index setting the field needs: it switches the index to the codec that knows the field. */
    public static final Setting<Boolean> INDEX_SETTING = Setting.boolSetting(
        "index.binary_embeddings",
        false,
        Setting.Property.IndexScope,
        Setting.Property.Final
    );

    private static BinaryEmbeddingFieldMapper toType(org.opensearch.index.mapper.FieldMapper in) {
        return (BinaryEmbeddingFieldMapper) in;
    }

    /** Mapping parameters; every structural one is fixed once the field exists. */
    public static final class Builder extends ParametrizedFieldMapper.Builder {

        private final Parameter<Integer> dims = new Parameter<>("dims", false, () -> -1, (n, c, o) -> ParamValues.integer("dims", o), m -> toType(m).spec.dims())
            .setValidator(v -> {
                if (v == -1) {
                    throw new IllegalArgumentException("[dims] is required");
                }
                if (v < BinaryEmbeddingSpec.MIN_DIMS || v > BinaryEmbeddingSpec.MAX_DIMS) {
                    throw new IllegalArgumentException(
                        "[dims] must be between " + BinaryEmbeddingSpec.MIN_DIMS + " and " + BinaryEmbeddingSpec.MAX_DIMS + ", got [" + v + "]"
                    );
                }
            })
            .alwaysSerialize();
        private final Parameter<Integer> truncateTo = new Parameter<>(
            "truncate_to",
            false,
            () -> null,
            (n, c, o) -> ParamValues.integer("truncate_to", o),
            m -> toType(m).spec.truncateTo()
        ).acceptsNull();
        private final Parameter<Integer> binaryDims = new Parameter<>(
            "binary_dims",
            false,
            () -> null,
            (n, c, o) -> ParamValues.integer("binary_dims", o),
            m -> toType(m).spec.binaryDims()
        ).acceptsNull();
        private final Parameter<String> similarity = Parameter.restrictedStringParam(
            "similarity",
            false,
            m -> toType(m).spec.bitSimilarity().attributeValue(),
            "hamming",
            "jaccard"
        );
        private final Parameter<RescoreOptions> rescore = new Parameter<>(
            "rescore",
            false,
            () -> RescoreOptions.DEFAULT,
            (n, c, o) -> RescoreOptions.parse(o),
            m -> RescoreOptions.of(toType(m).spec)
        ).setSerializer((b, n, v) -> v.toXContent(b, n), RescoreOptions::toString);
        // the name's syntax only: whether the model exists is a property of each node, known when a query encodes text
        private final Parameter<String> model = Parameter.stringParam("model", false, m -> toType(m).spec.model(), null)
            .acceptsNull()
            .setValidator(v -> {
                if (v != null) {
                    try {
                        ModelPaths.validateName(v);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("[model] " + e.getMessage());
                    }
                }
            });
        private final Parameter<HnswOptions> hnsw = new Parameter<>(
            "hnsw",
            false,
            () -> HnswOptions.DEFAULT,
            (n, c, o) -> HnswOptions.parse(o),
            m -> new HnswOptions(toType(m).spec.m(), toType(m).spec.efConstruction())
        ).setSerializer((b, n, v) -> v.toXContent(b, n), HnswOptions::toString);
        private final Parameter<String> input = Parameter.restrictedStringParam(
            "input",
            false,
            m -> toType(m).spec.packedInput() ? "packed" : "float",
            "float",
            "packed"
        );
        // where the vector is kept: only in the codec's files, rebuilt into _source on read (derived), or also in _source
        private final Parameter<String> source = Parameter.restrictedStringParam(
            "source",
            false,
            m -> toType(m).derivedSource ? "derived" : "stored",
            "derived",
            "stored"
        );
        private final Parameter<Map<String, String>> meta = Parameter.metaParam();

        public Builder(String name) {
            super(name);
        }

        @Override
        protected List<Parameter<?>> getParameters() {
            return List.of(dims, truncateTo, binaryDims, similarity, rescore, model, hnsw, input, source, meta);
        }

        BinaryEmbeddingSpec resolve() {
            int d = dims.getValue();
            int t = truncateTo.getValue() == null ? d : truncateTo.getValue();
            if (t < 1 || t > d) {
                throw new IllegalArgumentException("[truncate_to] must be between 1 and [dims] (" + d + "), got [" + t + "]");
            }
            int b = binaryDims.getValue() == null ? (t / 8) * 8 : binaryDims.getValue();
            if (b < 8 || b % 8 != 0 || b > t) {
                throw new IllegalArgumentException(
                    "[binary_dims] must be a multiple of 8 between 8 and [truncate_to] (" + t + "), got [" + b + "]"
                );
            }
            boolean packed = "packed".equals(input.getValue());
            RescoreOptions r = rescore.getValue();
            RescorePrecision precision = r.precision() != null ? r.precision() : (packed ? RescorePrecision.NONE : RescorePrecision.FLOAT32);
            if (packed && precision != RescorePrecision.NONE) {
                throw new IllegalArgumentException(
                    "[rescore.precision] must be [none] with [input: packed]: packed bits carry no values to rescore with"
                );
            }
            HnswOptions h = hnsw.getValue();
            return new BinaryEmbeddingSpec(
                d,
                t,
                b,
                ParamValues.enumValue(BitSimilarity.class, "similarity", similarity.getValue()),
                precision,
                r.similarity(),
                model.getValue(),
                h.m(),
                h.efConstruction(),
                packed
            );
        }

        @Override
        public BinaryEmbeddingFieldMapper build(BuilderContext context) {
            BinaryEmbeddingSpec spec;
            try {
                spec = resolve();
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException("field [" + name + "] of type [" + CONTENT_TYPE + "]: " + e.getMessage(), e);
            }
            MultiFields multiFields = multiFieldsBuilder.build(this, context);
            if (multiFields.iterator().hasNext()) {
                // a sub-field would receive the vector array as its value and fail every document
                throw new MapperParsingException(
                    "field [" + name + "] of type [" + CONTENT_TYPE + "] does not support multi-fields ([fields]); map other fields beside it"
                );
            }
            BinaryEmbeddingFieldType type = new BinaryEmbeddingFieldType(buildFullName(context), spec, meta.getValue());
            return new BinaryEmbeddingFieldMapper(name, type, multiFields, copyTo.build(), spec, "derived".equals(source.getValue()));
        }
    }

    /**
     * Parses a {@code binary_embedding} field's mapping; every error names the field (the parameters' own checks run
     * while parsing, where OpenSearch does not add it).
     */
    public static final Mapper.TypeParser PARSER = (name, node, context) -> {
        Settings settings = context.getSettings();
        if (settings != null && INDEX_SETTING.get(settings) == false) {
            throw new MapperParsingException(
                "field ["
                    + name
                    + "] of type ["
                    + CONTENT_TYPE
                    + "] needs the index setting ["
                    + INDEX_SETTING.getKey()
                    + ": true]; add it to the index settings when creating the index"
            );
        }
        Builder builder = new Builder(name);
        try {
            builder.parse(name, context, node);
        } catch (IllegalArgumentException | MapperParsingException e) {
            if (e.getMessage() != null && e.getMessage().contains("[" + name + "]")) {
                throw e; // OpenSearch's own checks ("unknown parameter [x] on mapper [name]") name it already
            }
            throw new MapperParsingException("field [" + name + "] of type [" + CONTENT_TYPE + "]: " + e.getMessage(), e);
        }
        return builder;
    };

    private final BinaryEmbeddingSpec spec;
    private final FieldType luceneType;
    private final boolean derivedSource;

    private BinaryEmbeddingFieldMapper(
        String simpleName,
        BinaryEmbeddingFieldType type,
        MultiFields multiFields,
        CopyTo copyTo,
        BinaryEmbeddingSpec spec,
        boolean derivedSource
    ) {
        super(simpleName, type, multiFields, copyTo);
        this.spec = spec;
        this.derivedSource = derivedSource;
        this.luceneType = luceneFieldType(spec, derivedSource);
    }

    static FieldType luceneFieldType(BinaryEmbeddingSpec spec) {
        return luceneFieldType(spec, false);
    }

    /** The Lucene field type; {@code derivedSource} marks the field for the codec's derived-source stored fields. */
    static FieldType luceneFieldType(BinaryEmbeddingSpec spec, boolean derivedSource) {
        FieldType ft = spec.hasRescoreValues()
            ? new FieldType(KnnFloatVectorField.createFieldType(spec.truncateTo(), spec.rescoreSimilarity().lucene()))
            // bits only: the similarity of a byte field is not used by the codec, which always scores bits
            : new FieldType(KnnByteVectorField.createFieldType(spec.packedBytes(), VectorSimilarityFunction.EUCLIDEAN));
        ft.putAttribute(BinaryFieldConfig.BINARY_DIMS_ATTRIBUTE, Integer.toString(spec.binaryDims()));
        ft.putAttribute(BinaryFieldConfig.SIMILARITY_ATTRIBUTE, spec.bitSimilarity().attributeValue());
        ft.putAttribute(BinaryFieldConfig.RESCORE_PRECISION_ATTRIBUTE, spec.precision().attributeValue());
        if (derivedSource) {
            ft.putAttribute(DerivedSourceStoredFieldsFormat.SOURCE_ATTRIBUTE, DerivedSourceStoredFieldsFormat.DERIVED);
        }
        ft.freeze();
        return ft;
    }

    @Override
    public Builder getMergeBuilder() {
        return (Builder) new Builder(simpleName()).init(this);
    }

    @Override
    protected String contentType() {
        return CONTENT_TYPE;
    }

    @Override
    public boolean parsesArrayValue() {
        return true;
    }

    @Override
    public BinaryEmbeddingFieldType fieldType() {
        return (BinaryEmbeddingFieldType) super.fieldType();
    }

    @Override
    protected void parseCreateField(ParseContext context) throws IOException {
        XContentParser parser = context.parser();
        if (parser.currentToken() == Token.VALUE_NULL) {
            return;
        }
        if (context.doc().getField(name()) != null) {
            throw new IllegalArgumentException("field [" + name() + "] takes one vector per document, got more than one");
        }
        // a bits-only field also takes the packed bits that reading its derived source gives back (hex)
        if (spec.packedInput() || (spec.hasRescoreValues() == false && parser.currentToken() == Token.VALUE_STRING)) {
            byte[] bits = PackedBits.decode(parsePackedValue(parser), spec.packedBytes(), "field [" + name() + "]");
            context.doc().add(new KnnByteVectorField(name(), bits, luceneType));
        } else {
            float[] vector = VectorInput.prepare(parseNumbers(parser), spec, "field [" + name() + "]");
            if (spec.hasRescoreValues()) {
                context.doc().add(new KnnFloatVectorField(name(), vector, luceneType));
            } else {
                context.doc().add(new KnnByteVectorField(name(), SignBits.pack(vector, spec.binaryDims()), luceneType));
            }
        }
        if (derivedSource) {
            stripFromSource(context);
        }
    }

    /**
     * Replaces this field's value in the stored source documents with the {@code null} placeholder: the vector is kept
     * once, in the codec's files, which put it back when the document is read. Values that do not come from this
     * field's own place in the source (copy_to, multi-fields) and vectors inside nested documents stay as they are.
     */
    private void stripFromSource(ParseContext context) throws IOException {
        if (context.isWithinCopyTo() || context.isWithinMultiFields() || context.doc() != context.rootDoc()) {
            return;
        }
        ParseContext.Document root = context.rootDoc();
        for (String stored : List.of(SourceFieldMapper.NAME, SourceFieldMapper.RECOVERY_SOURCE_NAME)) {
            IndexableField field = root.getField(stored);
            if (field == null || field.binaryValue() == null) {
                continue;
            }
            BytesRef value = field.binaryValue();
            byte[] bytes = value.offset == 0 && value.length == value.bytes.length ? value.bytes : BytesRef.deepCopyOf(value).bytes;
            byte[] stripped = SourceVectors.INSTANCE.strip(bytes, Set.of(name()));
            if (stripped != bytes) {
                List<IndexableField> fields = root.getFields();
                fields.set(fields.indexOf(field), new StoredField(stored, stripped));
            }
        }
    }

    /**
     * OpenSearch's index-wide derived source ({@code index.derived_source.enabled}, no {@code _source} stored at all)
     * asks each field to write itself back: the stored float values (int8: dequantized) or the packed bits as hex.
     */
    @Override
    public void canDeriveSource() {
        if (copyTo() != null && copyTo().copyToFields().isEmpty() == false) {
            throw new UnsupportedOperationException("Unable to derive source for fields with copy_to parameter set");
        }
    }

    @Override
    public void deriveSource(XContentBuilder builder, LeafReader leafReader, int docId) throws IOException {
        FieldInfo info = leafReader.getFieldInfos().fieldInfo(name());
        if (info == null || info.hasVectorValues() == false) {
            return;
        }
        if (info.getVectorEncoding() == VectorEncoding.FLOAT32) {
            FloatVectorValues values = leafReader.getFloatVectorValues(name());
            KnnVectorValues.DocIndexIterator it = values == null ? null : values.iterator();
            if (it != null && it.advance(docId) == docId) {
                builder.array(simpleName(), values.vectorValue(it.index()));
            }
        } else {
            ByteVectorValues values = leafReader.getByteVectorValues(name());
            KnnVectorValues.DocIndexIterator it = values == null ? null : values.iterator();
            if (it != null && it.advance(docId) == docId) {
                builder.field(simpleName(), HexFormat.of().formatHex(values.vectorValue(it.index())));
            }
        }
    }

    private Object parsePackedValue(XContentParser parser) throws IOException {
        if (parser.currentToken() == Token.VALUE_STRING) {
            return parser.text();
        }
        if (parser.currentToken() != Token.START_ARRAY) {
            throw new IllegalArgumentException(
                "field [" + name() + "] with [input: packed] expects a hex or base64 string or an array of " + spec.packedBytes()
                    + " signed bytes, got " + parser.currentToken()
            );
        }
        List<Object> bytes = new ArrayList<>();
        for (Token t = parser.nextToken(); t != Token.END_ARRAY; t = parser.nextToken()) {
            if (t != Token.VALUE_NUMBER || bytes.size() > spec.packedBytes()) {
                throw new IllegalArgumentException(
                    "field [" + name() + "] with [input: packed] expects an array of " + spec.packedBytes() + " signed bytes"
                        + (t == Token.VALUE_NUMBER ? ", got more" : ", got " + t)
                );
            }
            bytes.add(parser.numberValue());
        }
        return bytes;
    }

    private float[] parseNumbers(XContentParser parser) throws IOException {
        if (parser.currentToken() != Token.START_ARRAY) {
            throw new IllegalArgumentException(
                "field [" + name() + "] expects an array of " + spec.dims() + " numbers, got " + describe(parser)
            );
        }
        float[] values = new float[spec.dims()];
        int n = 0;
        // the truncated vector that reading a derived source gives back has truncate_to numbers
        for (Token t = parser.nextToken(); t != Token.END_ARRAY; t = parser.nextToken()) {
            if (t != Token.VALUE_NUMBER) {
                throw new IllegalArgumentException(
                    "field [" + name() + "] expects an array of " + spec.dims() + " numbers, got " + describe(parser) + " at position " + n
                );
            }
            if (n == spec.dims()) {
                throw new IllegalArgumentException("field [" + name() + "] expects " + spec.dims() + " numbers, got more");
            }
            values[n++] = parser.floatValue();
        }
        if (n == spec.truncateTo() && n < spec.dims()) {
            return java.util.Arrays.copyOf(values, n);
        }
        if (n != spec.dims()) {
            throw new IllegalArgumentException("field [" + name() + "] expects " + spec.dims() + " numbers, got " + n);
        }
        return values;
    }

    private static String describe(XContentParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case VALUE_STRING -> "a string [" + parser.text() + "]";
            case START_ARRAY -> "a nested array";
            case START_OBJECT -> "an object";
            case VALUE_BOOLEAN -> "a boolean";
            case VALUE_NULL -> "null";
            default -> String.valueOf(parser.currentToken());
        };
    }
}
