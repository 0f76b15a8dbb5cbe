// The search page: Pagefind's interface, started with the words typed in the header's form.
// The index is written in parts (pagefind/ and the bundles listed in pagefind/parts.json):
// Pagefind merges them at query time, so a search reads only the chunks its words need.
(function () {
  var bundle = new URL("../pagefind/", document.currentScript.src);

  function start(parts) {
    var ui = new PagefindUI({
      element: "#inc-search",
      showSubResults: false,
      showImages: false,
      autofocus: true,
      mergeIndex: parts.map(function (part) {
        return { bundlePath: new URL(part, bundle).pathname };
      }),
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  }

  var parts = fetch(new URL("parts.json", bundle)).then(function (response) {
    if (!response.ok) {
      throw new Error("pagefind/parts.json: " + response.status);
    }
    return response.json();
  });
  window.addEventListener("DOMContentLoaded", function () {
    parts.then(start, function (error) {
      console.error("search index parts:", error);
      start([]);
    });
  });
})();
