package dev.tessera.serving;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureService;
import dev.tessera.runtime.FeatureReader;

/** The page at {@code /} until the console lands: what is served and how to ask for it. */
final class IndexPage {
    private IndexPage() {
    }

    static String render(Definitions defs, FeatureReader reader) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tessera</title>")
                .append("<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d232b}")
                .append("code{background:#f2f4f7;padding:.1rem .3rem;border-radius:4px}td,th{padding:.2rem .8rem .2rem 0;text-align:left;vertical-align:top}")
                .append("h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.8rem}.m{color:#5b6675}</style></head><body>")
                .append("<h1>Tessera</h1><p class=\"m\">Real-time features, served from memory. The full console comes with the Observe work; ")
                .append("this page lists what this server answers.</p>");
        sb.append("<h2>Feature groups</h2><table><tr><th>group</th><th>source</th><th>keys</th><th>features</th></tr>");
        for (String g : reader.groups()) {
            sb.append("<tr><td><code>").append(esc(g)).append("</code></td><td>").append(esc(reader.sourceOf(g)))
                    .append("</td><td>").append(esc(String.join(", ", reader.entityKeyFields(g)))).append("</td><td>")
                    .append(esc(String.join(", ", reader.servedNames(g)))).append("</td></tr>");
        }
        sb.append("</table><h2>Feature services</h2><ul>");
        for (FeatureService s : defs.services().values()) {
            sb.append("<li><code>").append(esc(s.name())).append("</code> — ").append(s.features().size()).append(" features</li>");
        }
        sb.append("</ul><h2>API</h2><ul>")
                .append("<li><code>GET /v1/features/{group}/{entityKey}</code> — one entity, every feature of a group</li>")
                .append("<li><code>POST /v1/features</code> — <code>{\"service\": ..., \"entities\": [...]}</code> or <code>{\"features\": [...], \"entities\": [...]}</code></li>")
                .append("<li><code>POST /v1/events/{source}</code> — push events (JSON array or NDJSON)</li>")
                .append("<li><a href=\"/v1/features\"><code>GET /v1/features</code></a> — the catalog as JSON</li>")
                .append("<li><a href=\"/health\"><code>GET /health</code></a> · <a href=\"/metrics\"><code>GET /metrics</code></a></li></ul>")
                .append("</body></html>");
        return sb.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
