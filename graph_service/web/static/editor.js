// The query editor of /query: YASGUI (vendored in static/yasgui/) on this service's /sparql.
// Configuration comes from the page (#editor-config, written by graph_service/web/views/editor.py).
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

  // Literals plainly: 48, not "48"^^<http://www.w3.org/2001/XMLSchema#integer>; a language tag is a
  // small mark after the text, a datatype the cell's tooltip.
  var Table = Yasgui.Yasr.plugins.table;
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function shortIri(iri) {
    for (var prefix in config.prefixes) {
      var ns = config.prefixes[prefix];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length) return prefix + ":" + iri.slice(ns.length);
    }
    return iri;
  }
  Table.prototype.formatLiteral = function (binding) {
    var text = escapeHtml(binding.value);
    var lang = binding["xml:lang"];
    if (lang) return '<span lang="' + escapeHtml(lang) + '">' + text + '</span> <sup class="lang">' + escapeHtml(lang) + "</sup>";
    if (binding.datatype) return '<span title="' + escapeHtml(shortIri(binding.datatype)) + '">' + text + "</span>";
    return text;
  };
  // The result table's sentences in the page's language (DataTables options).
  Table.defaults.tableConfig.language = Object.assign({}, Table.defaults.tableConfig.language, config.table);

  // YASGUI's own words (buttons, tabs, controls) in the page's language: replaced where they appear.
  var words = config.words || {};
  var sentences = (config.sentences || []).map(function (s) { return { pattern: new RegExp(s[0]), text: s[1] }; });
  function translate(root) {
    if (config.lang === "en") return;
    if (root.closest && root.closest(".CodeMirror, .dataTable tbody")) return;
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {  // never the query text nor the results
        return n.parentElement && n.parentElement.closest(".CodeMirror, .dataTable tbody, pre")
          ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    var node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim();
      if (text && Object.prototype.hasOwnProperty.call(words, text)) node.nodeValue = node.nodeValue.replace(text, words[text]);
      else if (text) sentences.forEach(function (s) {
        var m = text.match(s.pattern);
        if (m) node.nodeValue = s.text.replace("{n}", m[1]).replace("{s}", m[2]);
      });
    }
    root.querySelectorAll("[title], [aria-label], [placeholder]").forEach(function (el) {
      ["title", "aria-label", "placeholder"].forEach(function (name) {
        var value = el.getAttribute(name);
        if (value && Object.prototype.hasOwnProperty.call(words, value)) el.setAttribute(name, words[value]);
      });
    });
  }

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
    tabName: words.Query || "Query",
    yasqe: { value: config.defaultQuery },
    yasr: { defaultPlugin: "table", pluginOrder: ["table", "response"] },
  });
  window.zkgEditor = yasgui;
  var root = document.getElementById("yasgui");
  translate(root);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (n) {
        if (n.nodeType === 1) translate(n);
        else if (n.nodeType === 3 && n.parentElement) translate(n.parentElement);
      });
      if (change.type === "characterData" && change.target.parentElement) translate(change.target.parentElement);
    });
  }).observe(root, { childList: true, subtree: true, characterData: true });

  // Tabs always query this service (belt and braces: nothing above may have named another).
  yasgui.persistentConfig.getTabs().forEach(function (id) {
    var tab = yasgui.getTab(id);
    if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  });

  // Keep the current query in the address, so reloading or sharing the link reproduces it; a
  // chosen language (?lang=) stays, and the language switch opens the same query.
  var permalink = document.getElementById("permalink");
  var chosenLang = new URL(window.location.href).searchParams.get("lang");
  function currentQuery() {
    var tab = yasgui.getTab();
    try { return tab ? tab.getQuery() : ""; } catch (e) { return ""; }
  }
  function withQuery(href, query, lang) {
    var url = new URL(href, window.location.href);
    url.hash = "";
    var params = new URLSearchParams();
    if (query) params.set("query", query);
    if (lang) params.set("lang", lang);
    url.search = params.toString() ? "?" + params.toString() : "";
    return url.href;
  }
  function remember() {
    var query = currentQuery();
    var href = withQuery(window.location.href, query, chosenLang);
    if (href !== window.location.href) window.history.replaceState(null, "", href);
    permalink.href = href;
    document.querySelectorAll("header nav.lang a[hreflang]").forEach(function (a) {
      a.href = withQuery(a.href, query, a.getAttribute("hreflang"));
    });
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
