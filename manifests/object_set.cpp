#include "manifests/object_set.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vsrd::manifests {
namespace {

constexpr std::string_view kDependsOn = "spec.policy.depends_on: ";

ObjectKey RefKey(const ObjectRef& ref) { return ObjectKey{ref.kind, ref.name}; }

Diagnostic Error(const SourceLocation& where, std::string message) {
  return Diagnostic{where, Diagnostic::Severity::kError, std::move(message)};
}

class CycleFinder {
 public:
  CycleFinder(const std::unordered_map<ObjectKey, const Object*>& by_key, Diagnostics& out)
      : by_key_(by_key), out_(out) {}

  void Visit(const Object& object) {
    const ObjectKey key = object.Key();
    if (done_.contains(key)) return;
    stack_.push_back(key);
    on_stack_.insert(key);
    for (const auto& ref : object.policy.depends_on) {
      const ObjectKey next = RefKey(ref);
      const auto found = by_key_.find(next);
      if (found == by_key_.end() || next == key) continue;  // reported elsewhere
      if (on_stack_.contains(next)) {
        const auto start = std::find(stack_.begin(), stack_.end(), next);
        std::string path;
        for (auto it = start; it != stack_.end(); ++it) path += it->ToString() + " -> ";
        path += next.ToString();
        out_.push_back(Error(ref.location, std::string(kDependsOn) + "dependency cycle: " + path));
        continue;
      }
      Visit(*found->second);
    }
    on_stack_.erase(key);
    stack_.pop_back();
    done_.insert(key);
  }

 private:
  const std::unordered_map<ObjectKey, const Object*>& by_key_;
  Diagnostics& out_;
  std::vector<ObjectKey> stack_;
  std::unordered_set<ObjectKey> on_stack_;
  std::unordered_set<ObjectKey> done_;
};

}  // namespace

Diagnostics CheckObjectSet(std::span<const Object> objects) {
  std::vector<const Object*> pointers;
  pointers.reserve(objects.size());
  for (const auto& object : objects) pointers.push_back(&object);
  return CheckObjectSet(std::span<const Object* const>(pointers));
}

Diagnostics CheckObjectSet(std::span<const Object* const> objects) {
  Diagnostics out;
  std::unordered_map<ObjectKey, const Object*> by_key;
  by_key.reserve(objects.size());
  for (const Object* object : objects) {
    const auto [it, inserted] = by_key.emplace(object->Key(), object);
    if (!inserted) {
      out.push_back(Error(object->location, "metadata.name: duplicate object " +
                                                object->Key().ToString() + "; first defined at " +
                                                FormatLocation(it->second->location)));
    }
  }
  for (const Object* object : objects) {
    for (const auto& ref : object->policy.depends_on) {
      const ObjectKey key = RefKey(ref);
      if (key == object->Key()) {
        out.push_back(
            Error(ref.location, std::string(kDependsOn) + key.ToString() + " depends on itself"));
      } else if (!by_key.contains(key)) {
        out.push_back(
            Error(ref.location, std::string(kDependsOn) + key.ToString() + " does not exist"));
      }
    }
  }
  CycleFinder finder(by_key, out);
  for (const Object* object : objects) {
    if (by_key.at(object->Key()) == object) finder.Visit(*object);
  }
  return out;
}

}  // namespace vsrd::manifests
