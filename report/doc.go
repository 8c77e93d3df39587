// Package report renders lint results in every output format shipshape offers
// (text, json, sarif, checkstyle, gitlab, github); only this package knows them.
package report
