/* 接口文档 in Chinese: Swagger UI has no translations of its own, so the words of its controls are
   replaced as it renders them (exact matches of whole text nodes and of input placeholders only; the
   schema's own texts are Chinese already). Loaded after the Swagger UI bundle, under script-src 'self'. */
(function () {
  "use strict";
  var WORDS = {
    "Try it out": "试用", "Cancel": "取消", "Execute": "执行", "Clear": "清除", "Reset": "重置",
    "Parameters": "参数", "No parameters": "无参数", "Name": "名称", "Description": "说明",
    "Request body": "请求内容", "Responses": "响应", "Response body": "响应内容", "Response headers": "响应头",
    "Code": "状态码", "Links": "链接", "No links": "无链接", "Details": "详情", "Request URL": "请求地址",
    "Server response": "服务器响应", "Curl": "curl 命令", "Download": "下载", "Example Value": "示例值",
    "Schema": "结构", "Schemas": "数据结构", "Media type": "媒体类型", "Controls Accept header.": "决定 Accept 请求头。",
    "Loading...": "加载中……", "required": "必填", "Servers": "服务器", "Authorize": "授权", "Close": "关闭",
    "Undocumented": "未说明", "Send empty value": "发送空值", "Filter by tag": "按标签筛选",
    "Copy to clipboard": "复制", "(query)": "（查询参数）", "(path)": "（路径参数）", "Default value": "默认值",
    "Available values": "可选值", "Example": "示例", "Successful Response": "成功",
    "query": "查询参数", "path": "路径参数"
  };
  var PLACEHOLDERS = { "Filter by tag": "按标签筛选" };

  function translate(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim();
      if (text && Object.prototype.hasOwnProperty.call(WORDS, text)) {
        node.nodeValue = node.nodeValue.replace(text, WORDS[text]);
      }
    }
    if (root.querySelectorAll) {
      root.querySelectorAll("input[placeholder]").forEach(function (input) {
        var placeholder = PLACEHOLDERS[input.getAttribute("placeholder")];
        if (placeholder) { input.setAttribute("placeholder", placeholder); }
      });
    }
  }

  function start() {
    var ui = document.getElementById("swagger-ui");
    if (!ui) { return; }
    translate(ui);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (added) {
          if (added.nodeType === Node.ELEMENT_NODE) { translate(added); }
          else if (added.nodeType === Node.TEXT_NODE && added.parentNode) { translate(added.parentNode); }
        });
        if (change.type === "characterData" && change.target.parentNode) { translate(change.target.parentNode); }
      });
    }).observe(ui, { childList: true, subtree: true, characterData: true });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
