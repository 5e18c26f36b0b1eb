// The query editor of /query: YASGUI (vendored in static/yasgui/) on this service's /sparql.
// Configuration comes from the page (#editor-config, written by graph_service/editor.py).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var Yasqe = Yasgui.Yasqe;

  // Offline: the "class" and "property" autocompleters ask lov.linkeddata.es; keep the local ones
  // (prefixes from the bundled list, variables from the query). prefix.cc is off (prefixCcApi null).
  Yasqe.defaults.autocompleters = Yasqe.defaults.autocompleters.filter(function (name) {
    return name !== "class" && name !== "property";
  });
  Yasqe.defaults.prefixCcApi = null;
  Yasgui.Yasr.defaults.pluginOrder = ["table", "response"];
  Yasgui.Yasr.defaults.defaultPlugin = "table";

  // A link may name another endpoint (?endpoint=… or #endpoint=…): YASGUI would contact it as soon
  // as it opens the tab. Queries from this page go to this service only, so drop it first.
  (function dropEndpointFromUrl() {
    var url = new URL(window.location.href);
    var hash = new URLSearchParams(url.hash.replace(/^#/, ""));
    if (!url.searchParams.has("endpoint") && !hash.has("endpoint")) return;
    url.searchParams.delete("endpoint");
    hash.delete("endpoint");
    url.hash = hash.toString();
    window.history.replaceState(null, "", url.href);
  })();

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    copyEndpointOnNewTab: true,
    persistenceId: null,        // the URL is the state: no localStorage
    populateFromUrl: true,      // /query?query=… opens that query
    tabName: "Query",
    yasqe: { value: config.defaultQuery },
    yasr: { defaultPlugin: "table", pluginOrder: ["table", "response"] },
  });
  window.zkgEditor = yasgui;

  // Tabs always query this service (belt and braces: nothing above may have named another).
  yasgui.persistentConfig.getTabs().forEach(function (id) {
    var tab = yasgui.getTab(id);
    if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  });

  // Keep the current query in the address, so reloading or sharing the link reproduces it.
  var permalink = document.getElementById("permalink");
  function currentQuery() {
    var tab = yasgui.getTab();
    try { return tab ? tab.getQuery() : ""; } catch (e) { return ""; }
  }
  function remember() {
    var query = currentQuery();
    var url = new URL(window.location.href);
    url.hash = "";
    url.search = query ? "?query=" + encodeURIComponent(query) : "";
    if (url.href !== window.location.href) window.history.replaceState(null, "", url.href);
    permalink.href = url.href;
  }
  var pending = null;
  function rememberSoon() {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(remember, 300);
  }
  function watch(tab) {
    var yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (yasqe && !yasqe.__zkgWatched) {
      yasqe.__zkgWatched = true;
      yasqe.on("change", rememberSoon);
    }
  }
  yasgui.on("tabSelect", function () { window.setTimeout(function () { watch(yasgui.getTab()); remember(); }, 0); });
  yasgui.on("tabAdd", function () { window.setTimeout(function () { watch(yasgui.getTab()); remember(); }, 0); });
  yasgui.on("query", remember);
  watch(yasgui.getTab());
  remember();

  // Examples: the named queries tagged "examples" (queries/*.rq), each opened in its own tab.
  var select = document.getElementById("examples");
  var description = document.getElementById("example-description");
  var byName = {};
  config.examples.forEach(function (ex) { byName[ex.name] = ex; });
  select.addEventListener("change", function () {
    var ex = byName[select.value];
    description.textContent = ex ? ex.description : "";
    if (!ex) return;
    var existing = null;
    yasgui.persistentConfig.getTabs().forEach(function (id) {
      var tab = yasgui.getTab(id);
      if (tab && tab.getName() === ex.title) existing = tab;
    });
    if (existing) {
      yasgui.selectTabId(existing.getId());
      existing.setQuery(ex.query);
    } else {
      yasgui.addTab(true, { name: ex.title, yasqe: { value: ex.query }, requestConfig: { endpoint: endpoint } });
    }
    watch(yasgui.getTab());
    remember();
  });
})();
