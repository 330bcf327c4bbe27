/* Every data table fits every screen, by construction rather than page by page:
   - on a phone (< 576 px) each row becomes a small card, every cell labelled with its column's
     heading, so no button hides behind a sideways scroll;
   - on wider screens a table wider than its box scrolls inside its own box, never the page. */
(function () {
  "use strict";
  function headings(table) {
    const row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) return [];
    const labels = [];
    for (const cell of row.cells) {
      for (let i = 0; i < (cell.colSpan || 1); i++) labels.push(cell.textContent.trim());
    }
    return labels;
  }
  function stack(table) {
    const labels = headings(table);
    if (!labels.length) return;
    table.classList.add("table-stack");
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (!cell.hasAttribute("data-label") && labels[column]) cell.setAttribute("data-label", labels[column]);
          column += cell.colSpan || 1;
        }
      }
    }
  }
  function contain(table) {
    if (table.closest(".table-responsive")) return;
    const box = document.createElement("div");
    box.className = "table-responsive";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  }
  function prepare(root) {
    for (const table of root.querySelectorAll("main table")) {
      if (table.dataset.prepared) continue;
      table.dataset.prepared = "1";
      stack(table);
      contain(table);
    }
  }
  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:afterSettle", function (event) { prepare(event.target.ownerDocument || document); });
})();
