// Package squash rewrites an image with its base layers kept byte for byte
// and the user's layers merged into one that holds exactly their final
// state (minus removed paths), deterministically, and verifies what it wrote.
package squash
