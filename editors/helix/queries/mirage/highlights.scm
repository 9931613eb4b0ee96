; Mirage's declarations are keywords. These patterns come before the
; inherited KDL ones so that they take precedence over KDL's node names.
((node (identifier) @keyword.control.import)
  (#match? @keyword.control.import "^import$"))
((node (identifier) @keyword)
  (#match? @keyword "^(project|template|service|layer|environment|moved)$"))

; inherits: kdl
