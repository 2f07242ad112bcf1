-- dockmount's language server in Neovim's built-in LSP client.
-- Put this file in your config (for example ~/.config/nvim/plugin/dockmount.lua).
-- `dockmount` must be on PATH (cargo install --path . in a dockmount checkout).

-- Settings sent to the server; the nearest dockmount.toml still applies under them.
local init_options = {
  -- select = { "ALL" },
  -- ignore = { "unused-suppression" },
  -- severity = "warning",
  -- ["docker-version"] = "28.2/20.10",
}

local filetypes = { 'dockerfile', 'yaml', 'yaml.docker-compose', 'sh', 'bash', 'make', 'markdown' }
local root_markers = { 'dockmount.toml', '.dockmount.toml', '.git' }

if vim.lsp.config and vim.lsp.enable then
  -- Neovim 0.11 and later.
  vim.lsp.config('dockmount', {
    cmd = { 'dockmount', 'lsp' },
    filetypes = filetypes,
    root_markers = root_markers,
    init_options = init_options,
  })
  vim.lsp.enable('dockmount')
else
  -- Neovim 0.7 to 0.10.
  vim.api.nvim_create_autocmd('FileType', {
    pattern = filetypes,
    callback = function(args)
      local file = vim.api.nvim_buf_get_name(args.buf)
      local found = vim.fs and vim.fs.find(root_markers, { upward = true, path = vim.fs.dirname(file) })[1]
      local config = {
        name = 'dockmount',
        cmd = { 'dockmount', 'lsp' },
        root_dir = found and vim.fs.dirname(found) or vim.fn.fnamemodify(file, ':p:h'),
        init_options = init_options,
      }
      if vim.lsp.start then
        vim.lsp.start(config) -- 0.8 to 0.10: reuses the running client of the same root
      else
        -- 0.7: one client for the whole session.
        vim.g.dockmount_client = vim.g.dockmount_client or vim.lsp.start_client(config)
        vim.lsp.buf_attach_client(args.buf, vim.g.dockmount_client)
      end
    end,
  })
end
