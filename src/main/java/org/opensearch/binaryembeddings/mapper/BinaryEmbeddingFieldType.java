package org.opensearch.binaryembeddings.mapper;

import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.SourceValueFetcher;
import org.opensearch.index.mapper.TextSearchInfo;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.search.lookup.SearchLookup;

import java.util.Map;

/** Search-side view of a {@code binary_embedding} field: its resolved configuration for the queries. */
public final class BinaryEmbeddingFieldType extends MappedFieldType {

    private final BinaryEmbeddingSpec spec;

    public BinaryEmbeddingFieldType(String name, BinaryEmbeddingSpec spec, Map<String, String> meta) {
        super(name, true, false, false, TextSearchInfo.NONE, meta);
        this.spec = spec;
    }

    public BinaryEmbeddingSpec spec() {
        return spec;
    }

    @Override
    public String typeName() {
        return BinaryEmbeddingFieldMapper.CONTENT_TYPE;
    }

    @Override
    public ValueFetcher valueFetcher(QueryShardContext context, SearchLookup searchLookup, String format) {
        if (format != null) {
            throw new IllegalArgumentException("field [" + name() + "] of type [" + typeName() + "] doesn't support formats");
        }
        return new SourceValueFetcher(name(), context) {
            @Override
            protected Object parseSourceValue(Object value) {
                return value;
            }
        };
    }

    @Override
    public Query existsQuery(QueryShardContext context) {
        return new FieldExistsQuery(name());
    }

    @Override
    public Query termQuery(Object value, QueryShardContext context) {
        throw new IllegalArgumentException(
            "field [" + name() + "] of type [" + typeName() + "] does not support term queries; search it with [binary_knn]"
        );
    }
}
