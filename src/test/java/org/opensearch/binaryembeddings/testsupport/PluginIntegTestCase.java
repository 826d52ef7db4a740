package org.opensearch.binaryembeddings.testsupport;

import org.opensearch.binaryembeddings.BinaryEmbeddingsPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.Collection;
import java.util.List;

/** An internal cluster of the OpenSearch test framework whose nodes run the plugin: the base of every {@code *ClusterTests}. */
public abstract class PluginIntegTestCase extends OpenSearchIntegTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(BinaryEmbeddingsPlugin.class);
    }
}
