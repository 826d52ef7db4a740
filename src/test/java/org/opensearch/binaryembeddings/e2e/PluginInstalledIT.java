package org.opensearch.binaryembeddings.e2e;

import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.opensearch.client.Request;

public class PluginInstalledIT extends RealNodeTestCase {

    public void testCatPluginsListsBinaryEmbeddings() throws Exception {
        String body = EntityUtils.toString(client().performRequest(new Request("GET", "/_cat/plugins?h=component")).getEntity());
        assertTrue("_cat/plugins was: " + body, body.lines().map(String::trim).anyMatch("binary-embeddings"::equals));
    }
}
